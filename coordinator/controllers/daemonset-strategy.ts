import type { StoredDaemonSet } from '../state.js';

/** How a DaemonSet replaces the pods of an older template, resolved for the fleet as it is. */
export type DaemonSetUpdateStrategy = { type: 'OnDelete' } | { type: 'RollingUpdate'; maxUnavailable: number };

/** A manifest's `updateStrategy`, as the DaemonSet schema reads it. */
interface UpdateStrategySpec {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: { maxUnavailable?: number | string };
}

/**
 * Kubernetes' defaults and rounding: RollingUpdate with maxUnavailable 1; a percentage
 * is of the nodes that should run the pod, rounded up; and at least one node at a time,
 * or the update could never start.
 */
export function daemonSetUpdateStrategy(daemonSet: StoredDaemonSet, desiredNodes: number): DaemonSetUpdateStrategy {
  const spec = (daemonSet.spec as { updateStrategy?: UpdateStrategySpec }).updateStrategy;
  if (spec?.type === 'OnDelete') return { type: 'OnDelete' };
  const value = spec?.rollingUpdate?.maxUnavailable ?? 1;
  const resolved = typeof value === 'number' ? value : Math.ceil((Number.parseInt(value, 10) * desiredNodes) / 100);
  return { type: 'RollingUpdate', maxUnavailable: Math.max(1, resolved) };
}
