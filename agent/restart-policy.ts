import type { RestartPolicy } from '../protocol/manifest.js';
import type { ContainerState } from '../protocol/messages.js';
import { nextBackoff, type BackoffPolicy } from './backoff.js';

/**
 * Whether and when an exited container runs again: kubelet's CrashLoopBackOff as a pure
 * function of the container's last run and its restart policy. The first restart is at
 * once; each later one waits twice as long as the one before (10 s, 20 s, ... up to
 * 5 min); a run of `resetAfterMs` (10 min) or more starts the sequence over. The wait
 * owed travels with the container instance (LABELS.backoff), so an agent that restarts
 * keeps backing off where it was.
 */

export interface RestartBackoff extends BackoffPolicy {
  /** A run at least this long forgives earlier crashes (kubelet: twice the cap, 10 min). */
  readonly resetAfterMs: number;
}

export const KUBELET_RESTART_BACKOFF: RestartBackoff = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

export interface ExitedRun {
  readonly exitCode: number;
  /** Epoch milliseconds; NaN or undefined when unknown. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** The wait owed before restarting it (LABELS.backoff of the exited instance). */
  readonly backoffMs?: number;
}

export type RestartDecision =
  | { readonly restart: false; readonly reason: string }
  | {
      readonly restart: true;
      /** Restart at `at` (epoch ms); now or in the past means at once. */
      readonly at: number;
      /** The wait before `at`, 0 for at once; shown as `back-off 20s`. */
      readonly delayMs: number;
      /** The wait the restarted instance will owe when it exits in turn. */
      readonly nextBackoffMs: number;
      readonly reason: string;
    };

export function decideRestart(policy: RestartPolicy, run: ExitedRun, backoff: RestartBackoff): RestartDecision {
  if (policy === 'Never') return { restart: false, reason: `exited with code ${run.exitCode}; restartPolicy is Never` };
  if (policy === 'OnFailure' && run.exitCode === 0) return { restart: false, reason: 'completed; restartPolicy is OnFailure' };
  const started = finite(run.startedAt);
  const finished = finite(run.finishedAt);
  const ranLongEnough = started !== undefined && finished !== undefined && finished - started >= backoff.resetAfterMs;
  const owed = ranLongEnough ? undefined : run.backoffMs;
  const delayMs = owed ?? 0;
  return {
    restart: true,
    at: (finished ?? started ?? 0) + delayMs,
    delayMs,
    nextBackoffMs: nextBackoff(owed, backoff),
    reason: `exited with code ${run.exitCode}; restartPolicy is ${policy}`,
  };
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** `5m0s`, `40s`: a back-off wait as kubelet writes it in its messages. */
export function formatBackoff(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
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
