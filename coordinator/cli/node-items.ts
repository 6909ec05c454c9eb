import type { NodeStatus } from '../../protocol/messages.js';

/**
 * Nodes as `baton get nodes` shows them, built straight from the retained
 * `nodes/<node>/status` messages the agents publish (no coordinator needed), with the
 * coordinator's verdict laid over when it can be asked.
 */

/** A Node as `-o json|yaml` prints it; nodes are cluster-wide, so no namespace. */
export interface NodeItem {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; creationTimestamp?: string; labels: Record<string, string> };
  /** `unschedulable: true` when the coordinator says the node is cordoned, as in Kubernetes. */
  spec: { unschedulable?: true };
  status: NodeStatus;
}

/** A Kubernetes-style Node object around a node's last status. */
export function nodeItem(status: NodeStatus, cordoned = false): NodeItem {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: status.node,
      ...(status.startedAt !== undefined ? { creationTimestamp: status.startedAt } : {}),
      labels: status.labels ?? {},
    },
    spec: cordoned ? { unschedulable: true } : {},
    status,
  };
}

/**
 * The status to show for a node: its agent's own, unless the coordinator holds the node
 * offline while the agent's retained status still says online. That is a node whose
 * status stopped arriving without its last will (the coordinator marks it
 * NodeStatusUnknown after `--node-grace`); its retained status is simply the last one it
 * sent. The coordinator's status keeps the node's facts (labels, info, resources).
 */
export function withCoordinatorVerdict(own: NodeStatus, coordinator: NodeStatus | undefined): NodeStatus {
  return own.state === 'online' && coordinator?.state === 'offline' ? coordinator : own;
}

/**
 * Ready only when the agent is online and says Ready; anything else is NotReady. A
 * cordoned node gets `,SchedulingDisabled`, as kubectl shows it.
 */
export function nodeStatusColumn(status: NodeStatus, cordoned = false): string {
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const readiness = status.state === 'online' && ready?.status === 'True' ? 'Ready' : 'NotReady';
  return cordoned ? `${readiness},SchedulingDisabled` : readiness;
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** ROLES from `node-role.kubernetes.io/<role>` labels, as kubectl reads them. */
export function nodeRolesColumn(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && value !== '') roles.add(value);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}
