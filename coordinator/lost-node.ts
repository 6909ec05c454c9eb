import type { Condition, NodeStatus, PodStatus } from '../protocol/messages.js';
import { NODE_STATUS_UNKNOWN } from './node-liveness.js';

/**
 * What the coordinator can say of a pod whose node is offline (its will, or held offline
 * because its status is overdue): nothing it can vouch for.
 * As Kubernetes does for a node that stopped reporting, the pod shows phase Unknown and
 * is not Ready; it is not deleted, and the node's agent keeps running it. A pod that had
 * finished keeps its final phase: that cannot change any more. Pure.
 */
export function podStatusOnNode(status: PodStatus, node: string, nodeStatus: NodeStatus | undefined): PodStatus {
  if (nodeStatus === undefined || nodeStatus.state !== 'offline') return status;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return status;
  const message =
    nodeStatus.reason === NODE_STATUS_UNKNOWN ? `node ${node} is not ready: its agent stopped posting node status (${NODE_STATUS_UNKNOWN})`
    : `node ${node} is not ready: its agent is offline${nodeStatus.reason ? ` (${nodeStatus.reason})` : ''}`;
  const notReady = (c: Condition): Condition =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { type: c.type, status: 'False', reason: 'NodeNotReady', message, ...(nodeStatus.time ? { lastTransitionTime: nodeStatus.time } : {}) } : c;
  return {
    ...status,
    phase: 'Unknown',
    conditions: status.conditions.map(notReady),
    containerStatuses: status.containerStatuses.map((c) => ({ ...c, ready: false })),
  };
}
