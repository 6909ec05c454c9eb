import { intOrPercentValue } from '../../protocol/manifest-deployment.js';
import type { StoredDaemonSet } from '../state.js';

/** How a DaemonSet replaces the pods of an older template, resolved for the fleet as it is. */
export type DaemonSetUpdateStrategy = { type: 'OnDelete' } | { type: 'RollingUpdate'; maxUnavailable: number };

/**
 * Kubernetes' defaults and rounding: RollingUpdate with maxUnavailable 1; a percentage
 * is of the nodes that should run the pod, rounded up; and at least one node at a time,
 * or the update could never start.
 */
export function daemonSetUpdateStrategy(daemonSet: StoredDaemonSet, desiredNodes: number): DaemonSetUpdateStrategy {
  const spec = daemonSet.spec.updateStrategy;
  if (spec.type === 'OnDelete') return { type: 'OnDelete' };
  const value = spec.rollingUpdate.maxUnavailable;
  const resolved = typeof value === 'number' ? value : Math.ceil((intOrPercentValue(value) * desiredNodes) / 100);
  return { type: 'RollingUpdate', maxUnavailable: Math.max(1, resolved) };
}
