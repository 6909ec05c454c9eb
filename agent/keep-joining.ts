import type { Logger } from '../protocol/log.js';
import { DEFAULT_RECONNECT_POLICY, INITIAL_RECONNECT_STATE, nextReconnect, type ReconnectPolicy } from '../protocol/reconnect-backoff.js';
import type { Credentials } from './credentials.js';
import { JoinUnavailableError } from './join.js';

/**
 * Joins, trying again while the coordinator is out of reach, with the MQTT link's
 * back-off (1 s doubling to 30 s, jittered), so an agent whose coordinator is down neither
 * exits (systemd would restart it in a loop) nor knocks all at once with its fleet.
 * Resolves with the credentials; rejects with what `attempt` threw when trying again
 * cannot help (JoinRefusedError, a file that cannot be written), or when `signal` aborts.
 */
export async function keepJoining(
  attempt: (signal: AbortSignal) => Promise<Credentials>,
  deps: { signal: AbortSignal; log: Logger; policy?: ReconnectPolicy; random?: () => number },
): Promise<Credentials> {
  let state = INITIAL_RECONNECT_STATE;
  for (;;) {
    deps.signal.throwIfAborted();
    try {
      return await attempt(deps.signal);
    } catch (error) {
      if (!(error instanceof JoinUnavailableError) || deps.signal.aborted) throw error;
      const next = nextReconnect(state, { connectedForMs: undefined, random: (deps.random ?? Math.random)() }, deps.policy ?? DEFAULT_RECONNECT_POLICY);
      state = next.state;
      deps.log.warn({ reason: error.message, retryInMs: next.delayMs }, 'cannot join the coordinator yet; the saved pods keep running; trying again');
      await sleep(next.delayMs, deps.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
