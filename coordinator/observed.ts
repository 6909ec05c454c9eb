import type { NodeStatus, PodStatus, PodStatusReport } from '../protocol/messages.js';
import { canonicalJson } from '../protocol/canonical-json.js';
import { isReadyStatus } from './node-view.js';
import { overdueStatus } from './node-liveness.js';
import { isPodReady, isPodTerminal } from './pod-readiness.js';
import type { Observations } from './reconcile.js';

/** A pod report and when it was received, in the order of arrival. */
interface ReceivedReport {
  report: PodStatusReport;
  seq: number;
}

/**
 * What the coordinator has seen on the broker: node statuses and pod status reports.
 * Kept in memory only (the broker retains them). Each update says whether it matters
 * to the control loop, so a heartbeat that changes nothing but usage numbers does not
 * wake it.
 *
 * It also keeps what node lifecycle needs: when each node's status was last received
 * (on the injected monotonic clock), and each node's latest return (an online status
 * after the node was held offline, overdue or removed), so that a pod report counts as
 * current only if it was received after that return: retained reports from before the
 * node went away say nothing of what it runs now.
 */
export class ObservedState implements Observations {
  readonly nodeStatuses = new Map<string, NodeStatus>();
  readonly goneNodes = new Set<string>();
  private readonly reports = new Map<string, ReceivedReport>();
  private readonly reportsByUid = new Map<string, ReceivedReport>();
  /** Node -> when its latest status was received (monotonic ms). */
  private readonly heardAt = new Map<string, number>();
  /** Node -> the arrival number of its latest return. */
  private readonly returnedAt = new Map<string, number>();
  /** Nodes held offline because their status is overdue. */
  private readonly overdue = new Set<string>();
  /** Node -> the latest status received, as canonical JSON, to know the same message sent again. */
  private readonly lastReceived = new Map<string, string>();
  /** Nodes heard publishing since start: two different statuses received, not just the retained one. */
  private readonly live = new Set<string>();
  /** Counts every status and report received, to order them (times may tie). */
  private seq = 0;

  constructor(private readonly monotonicMs: () => number = () => performance.now()) {}

  podStatus(uid: string): PodStatus | undefined {
    return this.reportsByUid.get(uid)?.report.status;
  }

  /** The pod's latest report if it was received after its node's latest return; undefined if none or stale. */
  currentPodStatus(uid: string): PodStatus | undefined {
    const received = this.reportsByUid.get(uid);
    if (received === undefined) return undefined;
    return received.seq > (this.returnedAt.get(received.report.node) ?? 0) ? received.report.status : undefined;
  }

  /** The uid of the pod `node` last reported under `pod`, if it still reports one. */
  reportedPodUid(node: string, pod: string): string | undefined {
    return this.reports.get(`${node}/${pod}`)?.report.uid;
  }

  /** When the node's latest status was received (monotonic ms); undefined if none since start. */
  lastHeardMs(node: string): number | undefined {
    return this.heardAt.get(node);
  }

  /**
   * The node has been heard publishing since this coordinator started: a status other
   * than the first one received, which may be a retained message left by a node long
   * dead without a will.
   */
  isHeardLive(node: string): boolean {
    return this.live.has(node);
  }

  /** The node is held offline because its status stopped arriving. */
  isOverdue(node: string): boolean {
    return this.overdue.has(node);
  }

  /**
   * Records a node's status; true if anything the scheduler or controllers use changed.
   * An offline status (the agent's last will or its goodbye) carries no facts, so the
   * node keeps the ones it last reported online: see `withRetainedFacts`. An online
   * status for a node held offline (by its will or as overdue) or removed is its return.
   */
  setNodeStatus(status: NodeStatus): boolean {
    // The broker sends the retained status again on every resubscribe: that is no news
    // (above all not a heartbeat of a node that may be dead).
    // (An agent stamps every status with its time, so a heartbeat never repeats one.)
    const received = canonicalJson(status);
    const previous = this.lastReceived.get(status.node);
    if (received === previous) return false;
    if (previous !== undefined) this.live.add(status.node);
    this.lastReceived.set(status.node, received);
    const before = this.nodeStatuses.get(status.node);
    const next = status.state === 'offline' && before !== undefined ? withRetainedFacts(status, before) : status;
    const wasGone = this.goneNodes.delete(status.node);
    this.seq += 1;
    // A node only held offline for being overdue did not go away (no will, no reconnect,
    // so it sends its pod statuses no more than before): that is no return.
    const wasAway = before?.state === 'offline' && !this.overdue.has(status.node);
    if (status.state === 'online' && (wasGone || wasAway)) this.returnedAt.set(status.node, this.seq);
    this.nodeStatuses.set(status.node, next);
    this.heardAt.set(status.node, this.monotonicMs());
    this.overdue.delete(status.node);
    return wasGone || before === undefined || nodeFacts(before) !== nodeFacts(next);
  }

  /**
   * Holds an online node (or one known only from the store, never heard since start)
   * offline because its status is overdue: reason NodeStatusUnknown, conditions Unknown
   * as of `nowIso`, its facts kept. The next status it sends undoes this. True if it
   * changed anything: a node already held offline stays as it is.
   */
  markOverdue(node: string, nowIso: string): boolean {
    const before = this.nodeStatuses.get(node);
    if (before?.state === 'offline' || this.goneNodes.has(node)) return false;
    const offline = overdueStatus(node, before, nowIso);
    this.nodeStatuses.set(node, before === undefined ? offline : withRetainedFacts(offline, before));
    this.overdue.add(node);
    return true;
  }

  /** The node's retained status was cleared: it left the fleet. */
  clearNodeStatus(node: string): boolean {
    const known = this.nodeStatuses.delete(node);
    const wasGone = this.goneNodes.has(node);
    this.goneNodes.add(node);
    this.heardAt.delete(node);
    this.lastReceived.delete(node);
    this.overdue.delete(node);
    return known || !wasGone;
  }

  /** Records a pod's status; true if its readiness or whether it has finished changed, or it became current. */
  setPodReport(report: PodStatusReport): boolean {
    const key = `${report.node}/${report.name}`;
    const before = this.reports.get(key);
    const wasCurrent = before !== undefined && this.currentPodStatus(before.report.uid) !== undefined;
    if (before) this.reportsByUid.delete(before.report.uid);
    this.seq += 1;
    const received = { report, seq: this.seq };
    this.reports.set(key, received);
    this.reportsByUid.set(report.uid, received);
    return before === undefined || !wasCurrent || before.report.uid !== report.uid || podFacts(before.report.status) !== podFacts(report.status);
  }

  /** The pod names `node` holds a report under (its retained pod status topics). */
  reportedPods(node: string): string[] {
    const prefix = `${node}/`;
    return [...this.reports.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }

  clearPodReport(node: string, pod: string): boolean {
    const key = `${node}/${pod}`;
    const before = this.reports.get(key);
    if (!before) return false;
    this.reports.delete(key);
    if (this.reportsByUid.get(before.report.uid) === before) this.reportsByUid.delete(before.report.uid);
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
