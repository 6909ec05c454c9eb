import type { RestartPolicy } from '../protocol/manifest.js';
import type { ContainerState } from '../protocol/messages.js';

/**
 * Whether and when an exited container runs again. A pure function of the container's
 * last run and the time: kubelet's exponential backoff will replace `minIntervalMs`
 * with a delay that grows with `restartCount`; callers need not change.
 */

export interface ExitedRun {
  readonly exitCode: number;
  /** Epoch milliseconds; NaN or undefined when unknown. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly restartCount: number;
}

export type RestartDecision =
  | { readonly restart: false; readonly reason: string }
  /** Restart at `at` (epoch ms); now or in the past means at once. */
  | { readonly restart: true; readonly at: number; readonly reason: string };

export function decideRestart(policy: RestartPolicy, run: ExitedRun, minIntervalMs: number): RestartDecision {
  if (policy === 'Never') return { restart: false, reason: `exited with code ${run.exitCode}; restartPolicy is Never` };
  if (policy === 'OnFailure' && run.exitCode === 0) return { restart: false, reason: 'completed; restartPolicy is OnFailure' };
  // At most one start per interval: a container that crashes at once is not restarted
  // in a tight loop, one that ran for a while is restarted at once.
  const started = Number.isFinite(run.startedAt) ? (run.startedAt ?? 0) : 0;
  const finished = Number.isFinite(run.finishedAt) ? (run.finishedAt ?? 0) : 0;
  return {
    restart: true,
    at: Math.max(started + minIntervalMs, finished),
    reason: `exited with code ${run.exitCode}; restartPolicy is ${policy}`,
  };
}

/** Kubernetes' reason for a terminated container. */
export function terminatedReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** The terminated state of an exited container, as Kubernetes reports it. */
export function terminatedState(run: { exitCode: number; oomKilled?: boolean; startedAt?: string; finishedAt?: string }): ContainerState {
  return {
    terminated: {
      exitCode: run.exitCode,
      reason: terminatedReason(run.exitCode, run.oomKilled ?? false),
      ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
      ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
    },
  };
}
