import type { DeploymentStrategy } from '../../protocol/manifest.js';
import type { StoredPod } from '../state.js';
import type { PodAvailability } from './owned.js';
import { availableSurplus, fenceposts, oldScaleDownBudget, podsToCreate } from './rolling-update.js';

/**
 * One pass of a Deployment's update strategy over its counted pods (lost ones are
 * settled before). The store forgets a deleted pod at once (its node stops it after),
 * so each pass is judged on the pods still kept, and the bounds hold after every pass:
 * - RollingUpdate: at most `replicas + maxSurge` counted pods after the pass's
 *   creations; no pass deletes a pod that leaves fewer than `replicas - maxUnavailable`
 *   of the kept pods ready, counting only reported readiness (a new pod is never ready).
 * - Recreate: no pod of the current template is created while an old one is kept or
 *   a deleted one still runs (`terminating`).
 * Pure.
 */

export interface StrategyInput {
  strategy: DeploymentStrategy;
  replicas: number;
  /** Counted pods of the current template. */
  current: readonly StoredPod[];
  /** Counted pods of any other template. */
  old: readonly StoredPod[];
  availability(pod: StoredPod): PodAvailability;
  /** Deleted pods of this Deployment that their node still runs. */
  terminating: number;
  /** First to delete first (deletionOrder). */
  order(a: StoredPod, b: StoredPod): number;
}

export interface StrategyStep {
  delete: StoredPod[];
  /** How many pods of the current template to create. */
  create: number;
}

export function strategyStep(input: StrategyInput): StrategyStep {
  return input.strategy.type === 'Recreate' ? recreateStep(input) : rollingStep(input);
}

/** The first `count` of `pods` in deletion order. */
function firstToGo(pods: readonly StoredPod[], count: number, order: StrategyInput['order']): StoredPod[] {
  return count <= 0 ? [] : [...pods].sort(order).slice(0, count);
}

function without(pods: readonly StoredPod[], gone: readonly StoredPod[]): StoredPod[] {
  const names = new Set(gone.map((p) => p.metadata.name));
  return pods.filter((p) => !names.has(p.metadata.name));
}

/**
 * Kubernetes' rolling update in one pass: scale the current template up within the
 * surge (or down to `replicas`); then, if old pods remain and the budget allows, delete
 * the old pods reported not Ready (never `unknown` ones: that would act on reports
 * not heard yet), then as many old pods as there are available pods above the minimum.
 */
function rollingStep(input: StrategyInput): StrategyStep {
  const { replicas, current, old, availability, order } = input;
  // Scaled to zero: no availability to keep, every pod goes whatever is known of it.
  if (replicas === 0) return { delete: firstToGo([...current, ...old], current.length + old.length, order), create: 0 };
  const { maxSurge, maxUnavailable } = fenceposts(input.strategy, replicas);
  const minAvailable = replicas - maxUnavailable;
  const isReady = (p: StoredPod): boolean => availability(p) === 'ready';

  const surplus = firstToGo(current, current.length - replicas, order);
  const keptCurrent = without(current, surplus);
  const create = surplus.length > 0 ? 0 : podsToCreate({ replicas, maxSurge, counted: current.length + old.length, current: current.length });
  const step: StrategyStep = { delete: [...surplus], create };
  if (old.length === 0) return step;

  const budget = oldScaleDownBudget({
    counted: keptCurrent.length + create + old.length,
    minAvailable,
    currentUnavailable: keptCurrent.filter((p) => !isReady(p)).length + create,
  });
  if (budget <= 0) return step;
  const unhealthy = firstToGo(
    old.filter((p) => availability(p) === 'notReady'),
    budget,
    order,
  );
  const remaining = without(old, unhealthy);
  const available = keptCurrent.filter(isReady).length + remaining.filter(isReady).length;
  const scaledDown = firstToGo(remaining, Math.min(availableSurplus({ available, minAvailable }), remaining.length), order);
  step.delete.push(...unhealthy, ...scaledDown);
  return step;
}

/**
 * Kubernetes' Recreate: every old pod goes at once; the current template's pods are
 * created only once no old pod is kept and none deleted is still running.
 */
function recreateStep(input: StrategyInput): StrategyStep {
  const { replicas, current, old, order } = input;
  if (old.length > 0) return { delete: [...old], create: 0 };
  const surplus = firstToGo(current, current.length - replicas, order);
  if (surplus.length > 0) return { delete: surplus, create: 0 };
  return { delete: [], create: input.terminating > 0 ? 0 : replicas - current.length };
}
