import { backoffDelay, type BackoffPolicy } from '../backoff.js';

/**
 * The failure record of one image's pulls (ImagePullBackOff), as plain data over an
 * injected time (monotonic ms, Clock.mono: a wall-clock jump changes no back-off). Pure.
 *
 * After kubelet's image backoff: each failure in a row doubles the wait before the next
 * pull (10 s, 20 s, ... capped at 300 s); the wait runs from the moment the pull failed;
 * a failure that comes more than twice the cap after the previous one starts counting
 * again from the first wait, as kubelet forgets a backoff entry that old.
 */
export interface PullFailure {
  /** What went wrong, as the engine said it (shown as the container's waiting message). */
  readonly message: string;
  /** When the pull failed. */
  readonly at: number;
  /** No new pull of the image before this time. */
  readonly retryAt: number;
  /** Failures in a row, >= 1. */
  readonly failures: number;
}

/** The record after one more failed pull, at `at`, following `previous` (undefined: none). */
export function recordPullFailure(previous: PullFailure | undefined, message: string, at: number, policy: BackoffPolicy): PullFailure {
  const isStale = previous === undefined || at - previous.at > 2 * policy.maxMs;
  const failures = isStale ? 1 : previous.failures + 1;
  return { message, at, retryAt: at + backoffDelay(failures, policy), failures };
}

/** True while no new pull may start: the last pull failed and its retry time has not come. */
export function isBackingOff(failure: PullFailure | undefined, now: number): boolean {
  return failure !== undefined && failure.retryAt > now;
}
