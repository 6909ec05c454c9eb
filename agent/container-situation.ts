import type { ContainerSpec, RestartPolicy } from '../protocol/manifest.js';
import type { ContainerState, DesiredPod } from '../protocol/messages.js';
import type { RestartBackoff } from './restart-policy.js';
import { specHash, type PodContainer } from './container-labels.js';
import { decideRestart, terminatedState, type RestartDecision } from './restart-policy.js';

/**
 * Where one container of a pod stands, read off the engine's containers: which instance
 * counts, which ones are stale, what a new instance would be numbered and whether an
 * exited one runs again. Pure. The planner acts on it and the pod status reports it, so
 * the two never disagree.
 */
export interface ContainerSituation {
  readonly hash: string;
  /** The instance that counts, if any. */
  readonly current?: PodContainer;
  /** Instances to remove: older ones, and ones of another spec or sandbox. Newest first. */
  readonly stale: readonly PodContainer[];
  /** The restart count of the next instance: 0 for a first start, else one past the highest. */
  readonly nextCount: number;
  /** The newest stale instance, whose end becomes the next instance's `lastState`. */
  readonly previous?: PodContainer;
  /** For an exited `current`: whether and when it runs again. */
  readonly restart?: RestartDecision;
}

/** `sandboxId`: the running sandbox the pod's containers must have joined; undefined for a pod without one; null while its sandbox is missing. */
export function situate(pod: DesiredPod, spec: ContainerSpec, instances: readonly PodContainer[], sandboxId: string | null | undefined, backoff: RestartBackoff): ContainerSituation {
  const hash = specHash(spec, pod.spec);
  const current = pickCurrent(instances, hash, sandboxId, pod.spec.restartPolicy);
  const stale = instances
    .filter((c) => c !== current && c.actual.state !== 'removing')
    .sort((a, b) => b.restartCount - a.restartCount || Date.parse(b.actual.createdAt) - Date.parse(a.actual.createdAt));
  const nextCount = instances.length === 0 ? 0 : Math.max(...instances.map((c) => c.restartCount)) + 1;
  const previous = stale[0];
  const restart = current !== undefined && isExited(current) ? decideRestart(pod.spec.restartPolicy, exitedRun(current), backoff) : undefined;
  return { hash, ...(current ? { current } : {}), stale, nextCount, ...(previous ? { previous } : {}), ...(restart ? { restart } : {}) };
}

/**
 * The instance that counts: the newest with the wanted spec in the wanted sandbox. A
 * container that will never run again keeps counting whatever became of its sandbox, as
 * kubelet leaves a finished container alone: under `Never` any instance of the spec,
 * under `OnFailure` one that completed.
 */
export function pickCurrent(instances: readonly PodContainer[], hash: string, sandboxId: string | null | undefined, policy: RestartPolicy): PodContainer | undefined {
  const matching = instances
    .filter((c) => c.specHash === hash && c.actual.state !== 'removing')
    .sort((a, b) => b.restartCount - a.restartCount || Date.parse(b.actual.createdAt) - Date.parse(a.actual.createdAt));
  const inSandbox = matching.find((c) => sandboxId !== null && c.sandboxId === sandboxId);
  if (inSandbox) return inSandbox;
  const newest = matching[0];
  if (newest === undefined) return undefined;
  if (policy === 'Never') return newest;
  if (policy === 'OnFailure' && isExited(newest) && (newest.actual.exitCode ?? 0) === 0) return newest;
  return undefined;
}

export function isExited(c: PodContainer): boolean {
  return c.actual.state === 'exited' || c.actual.state === 'dead';
}

/** True when the container has finished for good: exited, and its policy does not run it again. */
export function isDone(situation: ContainerSituation): boolean {
  return situation.restart !== undefined && !situation.restart.restart;
}

function exitedRun(c: PodContainer): Parameters<typeof decideRestart>[1] {
  return {
    exitCode: c.actual.exitCode ?? 0,
    startedAt: Date.parse(c.actual.startedAt ?? ''),
    finishedAt: Date.parse(c.actual.finishedAt ?? ''),
    ...(c.backoffMs !== undefined ? { backoffMs: c.backoffMs } : {}),
  };
}

/** The terminated state of an exited instance, as Kubernetes reports it; undefined while it runs. */
export function endOf(c: PodContainer | undefined): ContainerState | undefined {
  if (c === undefined || !isExited(c)) return undefined;
  const a = c.actual;
  return terminatedState({
    exitCode: a.exitCode ?? 0,
    ...(a.oomKilled ? { oomKilled: true } : {}),
    ...(a.startedAt ? { startedAt: a.startedAt } : {}),
    ...(a.finishedAt ? { finishedAt: a.finishedAt } : {}),
  });
}
