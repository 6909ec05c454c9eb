/**
 * A probe's result and the thresholds that move it, as kubelet keeps them: one run's
 * outcome changes the result only after `failureThreshold` failures in a row (or
 * `successThreshold` successes in a row). Pure: no clock, no I/O.
 */

/** Kubernetes' three probe kinds, named as users read them in events ("Liveness probe failed"). */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** `unknown`: the startup probe has not succeeded nor crossed its failure threshold yet. */
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeThresholds {
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export interface ProbeResultState {
  /** What the probe says now, after thresholds. */
  readonly result: ProbeResult;
  /** The outcome of the last run, and how many runs in a row had it (0 before any run). */
  readonly lastOutcome: 'success' | 'failure' | undefined;
  readonly run: number;
}

/**
 * Kubelet's initial results: a liveness probe counts as passing until it fails, a
 * readiness probe as failing until it passes (a container is not ready before its first
 * successful probe), and a startup probe is unknown until it has decided.
 */
export function initialResult(type: ProbeType): ProbeResultState {
  const result: ProbeResult = type === 'liveness' ? 'success' : type === 'readiness' ? 'failure' : 'unknown';
  return { result, lastOutcome: undefined, run: 0 };
}

/** The state after one run that succeeded or failed. */
export function recordOutcome(state: ProbeResultState, success: boolean, thresholds: ProbeThresholds): ProbeResultState {
  const outcome = success ? 'success' : 'failure';
  const run = state.lastOutcome === outcome ? state.run + 1 : 1;
  const threshold = success ? thresholds.successThreshold : thresholds.failureThreshold;
  // Below its threshold a run leaves the result as it was; at or past it the result follows.
  const result = run >= threshold ? outcome : state.result;
  return { result, lastOutcome: outcome, run };
}

/** What one run of a probe found; `message` reads like kubelet's ("HTTP probe failed with statuscode: 503"). */
export interface ProbeOutcome {
  readonly success: boolean;
  readonly message: string;
  /**
   * The probe could not be run at all (the engine refused the exec): as kubelet, such a
   * run says nothing about the container's health and counts neither way.
   */
  readonly isError?: boolean;
}
