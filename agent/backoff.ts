/**
 * Kubelet's exponential backoff, shared by container restarts (CrashLoopBackOff), image
 * pulls (ImagePullBackOff) and failed creates and starts: the first wait is `initialMs`,
 * each further one doubles, up to `maxMs`.
 */
export interface BackoffPolicy {
  /** Kubernetes: 10 s. */
  readonly initialMs: number;
  /** Kubernetes: 300 s. */
  readonly maxMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

/** The wait before attempt `failures + 1`, after `failures` (>= 1) failures in a row. */
export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  if (failures <= 0) return 0;
  // 2^30 times any sane initial delay is past every cap; stop doubling there.
  return Math.min(policy.initialMs * 2 ** Math.min(failures - 1, 30), policy.maxMs);
}

/** The next wait after one of `currentMs`: doubled, capped, and `initialMs` after none. */
export function nextBackoff(currentMs: number | undefined, policy: BackoffPolicy): number {
  if (currentMs === undefined || currentMs <= 0) return policy.initialMs;
  return Math.min(currentMs * 2, policy.maxMs);
}
