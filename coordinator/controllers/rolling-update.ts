import { intOrPercentValue, type DeploymentStrategy, type IntOrPercent } from '../../protocol/manifest.js';

/**
 * The arithmetic of a rolling update, as Kubernetes' deployment controller does it
 * (`ResolveFenceposts`, `NewRSNewReplicas`, `reconcileOldReplicaSets`), over plain
 * counts of pods. Pure.
 */

/** A count or percentage of `total`; a percentage rounds up or down as asked. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const product = intOrPercentValue(value) * total;
  return roundUp ? Math.ceil(product / 100) : Math.floor(product / 100);
}

export interface Fenceposts {
  /** Pods allowed above `replicas` while the update runs. */
  maxSurge: number;
  /** Pods of `replicas` allowed to be unavailable while the update runs. */
  maxUnavailable: number;
}

/**
 * maxSurge rounds up, maxUnavailable down; if both come to 0 one pod may be unavailable,
 * or the update could never move. maxUnavailable never exceeds `replicas`. A Recreate
 * Deployment has neither (status counts it available only with every replica up).
 */
export function fenceposts(strategy: DeploymentStrategy, replicas: number): Fenceposts {
  if (strategy.type !== 'RollingUpdate' || replicas === 0) return { maxSurge: 0, maxUnavailable: 0 };
  const { maxSurge: surge, maxUnavailable: unavailable } = strategy.rollingUpdate;
  const maxSurge = scaledValue(surge, replicas, true);
  let maxUnavailable = scaledValue(unavailable, replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** The fewest available pods a Deployment may have while it updates. */
export function minAvailable(strategy: DeploymentStrategy, replicas: number): number {
  return replicas - fenceposts(strategy, replicas).maxUnavailable;
}

/**
 * How many pods of the current template to create: up to `replicas` of them, while all
 * counted pods stay within `replicas + maxSurge`.
 */
export function podsToCreate(counts: { replicas: number; maxSurge: number; counted: number; current: number }): number {
  const room = counts.replicas + counts.maxSurge - counts.counted;
  return Math.max(0, Math.min(room, counts.replicas - counts.current));
}

/**
 * How many old pods may go at most, from the unhealthy ones and then by availability:
 * every counted pod beyond the minimum available, less the current pods not available
 * yet (they must become available before old ones make way for them).
 */
export function oldScaleDownBudget(counts: { counted: number; minAvailable: number; currentUnavailable: number }): number {
  return counts.counted - counts.minAvailable - counts.currentUnavailable;
}

/** How many old pods may go on the strength of availability: what is above the minimum. */
export function availableSurplus(counts: { available: number; minAvailable: number }): number {
  return Math.max(0, counts.available - counts.minAvailable);
}
