import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { describe, type WatchState } from './runtime.js';

/**
 * Keeps an engine event subscription alive for as long as `signal` lives. The engine may
 * go away at any time (dockerd killed, upgraded, restarting): the stream then ends or
 * cannot be opened, and it is opened again after a back-off that grows while the engine
 * stays away and starts over once it answers. Each change is told to `onWatch`:
 * `watching` once the engine has accepted a subscription (anything before it may have
 * been missed, so the caller looks at everything again), `lost` when it ends or cannot
 * be had. Never rejects and never throws into the caller, not even when `onWatch` throws
 * (that is ignored: a watch that stops for good would leave the agent deaf to the engine).
 */

/** Opens one subscription: resolves once the engine accepted it, with `ended` settling when the stream ends (rejecting if it broke). */
export type OpenEvents = (signal: AbortSignal) => Promise<{ readonly ended: Promise<void> }>;

/** Re-subscription back-off: quick, since a refused connection to a local socket costs nothing and every second away is a second of a NotReady node. */
export const EVENT_WATCH_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 2_000 };

export interface EventWatchOptions {
  readonly signal: AbortSignal;
  readonly onWatch?: (state: WatchState) => void;
  readonly backoff?: BackoffPolicy;
  /** Waits `ms` or until `signal` aborts; a real timer unless a test passes its own. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Resolves when `signal` aborts (and the stream in hand is closed). */
export async function keepWatching(open: OpenEvents, options: EventWatchOptions): Promise<void> {
  const { signal, onWatch } = options;
  const backoff = options.backoff ?? EVENT_WATCH_BACKOFF;
  const sleep = options.sleep ?? delay;
  const tell = (state: WatchState): void => {
    try {
      onWatch?.(state);
    } catch {
      // See above: the watch goes on.
    }
  };
  // Attempts in a row that did not give a live stream; an ended stream counts as one.
  let failures = 0;
  while (!signal.aborted) {
    let reason: string;
    try {
      const { ended } = await open(signal);
      if (signal.aborted) {
        await ended.catch(() => undefined);
        return;
      }
      failures = 0;
      tell({ state: 'watching' });
      await ended;
      reason = 'the engine ended the event stream';
    } catch (error) {
      reason = describe(error);
    }
    if (signal.aborted) return;
    failures += 1;
    const retryInMs = backoffDelay(failures, backoff);
    tell({ state: 'lost', reason, retryInMs, failures });
    await sleep(retryInMs, signal);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
