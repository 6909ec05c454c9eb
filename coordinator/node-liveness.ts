import type { Condition, NodeStatus } from '../protocol/messages.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

/**
 * Whether a node's heartbeat is overdue, pure: an agent republishes its retained status
 * every `--status-interval` (10 s), so a node not heard for `--node-grace` is NotReady,
 * as Kubernetes' node-monitor-grace-period makes a node whose kubelet stopped posting
 * its status `Unknown`. Times are monotonic milliseconds.
 */

/** The reason a node held NotReady because its status stopped arriving (Kubernetes' word). */
export const NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';

/** Kubernetes says "Kubelet stopped posting node status."; Baton's agent is its kubelet. */
export const STOPPED_POSTING_MESSAGE = 'Baton agent stopped posting node status.';

/**
 * The moment a node's status is overdue: `graceMs` after it was last heard, but never
 * before `graceMs` after the coordinator started listening (a status cannot be heard
 * while the coordinator is away from the broker, nor before it subscribed).
 * `lastHeardMs` undefined: not heard since the coordinator started (known from the store).
 */
export function overdueAt(lastHeardMs: number | undefined, listeningSinceMs: number, graceMs: number): number {
  return Math.max(lastHeardMs ?? listeningSinceMs, listeningSinceMs) + graceMs;
}

export interface OverdueCheck {
  /** The nodes whose status is overdue now, sorted. */
  overdue: string[];
  /** The earliest moment another of the watched nodes becomes overdue; undefined if none. */
  nextCheckAtMs: number | undefined;
}

/**
 * Which of the `watched` nodes (node -> when its status was last heard, undefined if not
 * since start) are overdue at `nowMs`, and when to look again. `listeningSinceMs`
 * undefined (not connected to the broker): no node can be heard, so none is judged.
 */
export function checkOverdue(
  watched: Iterable<readonly [string, number | undefined]>,
  listeningSinceMs: number | undefined,
  nowMs: number,
  graceMs: number,
): OverdueCheck {
  const result: OverdueCheck = { overdue: [], nextCheckAtMs: undefined };
  if (listeningSinceMs === undefined) return result;
  for (const [node, lastHeardMs] of watched) {
    const at = overdueAt(lastHeardMs, listeningSinceMs, graceMs);
    if (at <= nowMs) result.overdue.push(node);
    else result.nextCheckAtMs = Math.min(result.nextCheckAtMs ?? at, at);
  }
  result.overdue.sort();
  return result;
}

/**
 * The status the coordinator holds for a node whose status is overdue: offline with
 * reason NodeStatusUnknown, every condition it last reported (at least Ready) turned
 * `Unknown` with Kubernetes' reason and message as of `nowIso`, and the time of the
 * last status heard (its last heartbeat). The caller keeps the node's facts (labels,
 * taints, resources) with `withRetainedFacts`.
 */
export function overdueStatus(node: string, before: NodeStatus | undefined, nowIso: string): NodeStatus {
  const reported = before?.conditions ?? [];
  const types = reported.some((c) => c.type === 'Ready') ? reported.map((c) => c.type) : ['Ready', ...reported.map((c) => c.type)];
  const conditions = types.map((type): Condition => {
    const previous = reported.find((c) => c.type === type);
    const transition = previous?.status === 'Unknown' && previous.lastTransitionTime !== undefined ? previous.lastTransitionTime : nowIso;
    return { type, status: 'Unknown', reason: NODE_STATUS_UNKNOWN, message: STOPPED_POSTING_MESSAGE, lastTransitionTime: transition };
  });
  return {
    protocol: PROTOCOL_VERSION,
    node,
    state: 'offline',
    reason: NODE_STATUS_UNKNOWN,
    ...(before?.time !== undefined ? { time: before.time } : {}),
    conditions,
  };
}
