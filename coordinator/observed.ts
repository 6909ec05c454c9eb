import type { NodeStatus, PodStatus, PodStatusReport } from '../protocol/messages.js';
import { canonicalJson } from '../protocol/canonical-json.js';
import { isReadyStatus } from './node-view.js';
import { isPodReady, isPodTerminal, type Observations } from './reconcile.js';

/**
 * What the coordinator has seen on the broker: node statuses and pod status reports.
 * Kept in memory only (the broker retains them). Each update says whether it matters
 * to the control loop, so a heartbeat that changes nothing but usage numbers does not
 * wake it.
 */
export class ObservedState implements Observations {
  readonly nodeStatuses = new Map<string, NodeStatus>();
  readonly goneNodes = new Set<string>();
  private readonly reports = new Map<string, PodStatusReport>();
  private readonly reportsByUid = new Map<string, PodStatusReport>();

  podStatus(uid: string): PodStatus | undefined {
    return this.reportsByUid.get(uid)?.status;
  }

  /** The uid of the pod `node` last reported under `pod`, if it still reports one. */
  reportedPodUid(node: string, pod: string): string | undefined {
    return this.reports.get(`${node}/${pod}`)?.uid;
  }

  /**
   * Records a node's status; true if anything the scheduler or controllers use changed.
   * An offline status (the agent's last will or its goodbye) carries no facts, so the
   * node keeps the ones it last reported online: see `withRetainedFacts`.
   */
  setNodeStatus(status: NodeStatus): boolean {
    const before = this.nodeStatuses.get(status.node);
    const next = status.state === 'offline' && before !== undefined ? withRetainedFacts(status, before) : status;
    this.nodeStatuses.set(status.node, next);
    const wasGone = this.goneNodes.delete(status.node);
    return wasGone || before === undefined || nodeFacts(before) !== nodeFacts(next);
  }

  /** The node's retained status was cleared: it left the fleet. */
  clearNodeStatus(node: string): boolean {
    const known = this.nodeStatuses.delete(node);
    const wasGone = this.goneNodes.has(node);
    this.goneNodes.add(node);
    return known || !wasGone;
  }

  /** Records a pod's status; true if its readiness or whether it has finished changed. */
  setPodReport(report: PodStatusReport): boolean {
    const key = `${report.node}/${report.name}`;
    const before = this.reports.get(key);
    if (before) this.reportsByUid.delete(before.uid);
    this.reports.set(key, report);
    this.reportsByUid.set(report.uid, report);
    return before === undefined || before.uid !== report.uid || podFacts(before.status) !== podFacts(report.status);
  }

  clearPodReport(node: string, pod: string): boolean {
    const key = `${node}/${pod}`;
    const before = this.reports.get(key);
    if (!before) return false;
    this.reports.delete(key);
    if (this.reportsByUid.get(before.uid) === before) this.reportsByUid.delete(before.uid);
    return true;
  }
}

/**
 * An offline status merged over the node's last known one: state, reason and time from
 * the offline message; the facts that stay true while the node is away (labels and taints
 * above all, which decide where DaemonSet pods belong, resources, info, start time and the
 * last generation it applied) from before. A fact the offline message carries wins.
 */
export function withRetainedFacts(offline: NodeStatus, before: NodeStatus): NodeStatus {
  return {
    ...(before.labels !== undefined ? { labels: before.labels } : {}),
    ...(before.allocatable !== undefined ? { allocatable: before.allocatable } : {}),
    ...(before.taints !== undefined ? { taints: before.taints } : {}),
    ...(before.capacity !== undefined ? { capacity: before.capacity } : {}),
    ...(before.info !== undefined ? { info: before.info } : {}),
    ...(before.startedAt !== undefined ? { startedAt: before.startedAt } : {}),
    ...(before.observedGeneration !== undefined ? { observedGeneration: before.observedGeneration } : {}),
    ...offline,
  };
}

function nodeFacts(status: NodeStatus): string {
  return canonicalJson([status.state, isReadyStatus(status), status.labels ?? {}, status.allocatable ?? null, status.taints ?? []]);
}

function podFacts(status: PodStatus): string {
  return `${isPodReady(status)}/${isPodTerminal(status)}`;
}
