/**
 * When to try the broker again after a connection is lost or an attempt fails: an
 * exponential back-off with "equal jitter". The ceiling doubles with each failed attempt
 * from `initialMs` up to `maxMs`; the wait is drawn uniformly from the upper half of it,
 * so attempts are never closer than half the ceiling, yet a fleet whose broker came back
 * does not knock all at once. Pure: randomness and durations are passed in.
 */

export interface ReconnectPolicy {
  /** The ceiling of the first wait after a connection that had been up is lost. */
  readonly initialMs: number;
  /** The ceiling never grows past this. */
  readonly maxMs: number;
  /**
   * A connection that stayed up this long counts as a success: the next wait starts from
   * `initialMs` again. One that drops sooner (a broker that accepts and then closes, a
   * second agent taking over the client id) keeps the back-off growing.
   */
  readonly stableMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { initialMs: 1000, maxMs: 30_000, stableMs: 10_000 };

/** Attempts made since the last stable connection; 0 before the first failure. */
export interface ReconnectState {
  readonly failures: number;
}

export const INITIAL_RECONNECT_STATE: ReconnectState = { failures: 0 };

/** The ceiling of the wait after `failures` failed attempts (before jitter). */
export function reconnectCeilingMs(failures: number, policy: ReconnectPolicy): number {
  // 2 ** 30 already dwarfs any sensible cap; bounding the exponent keeps the number finite.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(failures, 0), 30));
}

/**
 * Decides the wait before the next attempt, after a connection closed (or an attempt to
 * open one failed). `connectedForMs` is how long the connection was up, undefined when it
 * never came up; `random` is uniform in [0, 1).
 */
export function nextReconnect(
  state: ReconnectState,
  closed: { connectedForMs: number | undefined; random: number },
  policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
): { delayMs: number; state: ReconnectState } {
  const stable = closed.connectedForMs !== undefined && closed.connectedForMs >= policy.stableMs;
  const failures = stable ? 0 : state.failures;
  const ceiling = reconnectCeilingMs(failures, policy);
  const random = Number.isFinite(closed.random) ? Math.min(Math.max(closed.random, 0), 1) : 0.5;
  return { delayMs: Math.round(ceiling / 2 + (random * ceiling) / 2), state: { failures: failures + 1 } };
}
