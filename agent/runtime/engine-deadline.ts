import { setMaxListeners } from 'node:events';
import { EngineTimeoutError } from './runtime.js';

/**
 * How long the agent waits for the engine to answer a read (a list, an inspect, its
 * version). A healthy engine answers in milliseconds; one that takes this long is frozen
 * or still restoring its containers after a crash, and the node is not Ready meanwhile.
 * Without a deadline a frozen dockerd would hang the reconcile loop (and the agent's
 * start) for as long as it stays frozen, with the node still saying Ready.
 */
export const ENGINE_READ_TIMEOUT_MS = 10_000;

/**
 * Runs `call` with a signal that aborts after `timeoutMs`, and turns that abort into an
 * EngineTimeoutError naming `what`. A call that cannot be aborted is raced instead: it
 * is left to settle in the background, its result ignored.
 */
export async function withDeadline<T>(what: string, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // A list shares the signal with an inspect per container, each adding a listener:
  // the signal lives only for this call, so no count of them is a leak (and Node's
  // MaxListenersExceededWarning on every resync would only wear the SD card via journald).
  setMaxListeners(0, controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new EngineTimeoutError(what, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const answer = call(controller.signal);
  // Once the deadline has won, a late rejection of the call is nobody's business.
  answer.catch(() => undefined);
  try {
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
  }
}
