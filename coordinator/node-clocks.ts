import type { Taint } from '../protocol/manifest-scheduling.js';
import type { NodeStatus } from '../protocol/messages.js';
import { isReadyStatus } from './node-view.js';

/**
 * Since when, as this coordinator saw it, each node has been not Ready and each NoExecute
 * taint has been on each node: the clocks evictions are counted on. Kept in memory only,
 * so after a coordinator restart they start again (a restart can only delay an
 * eviction, never hasten one). Pure: the shell advances them with every node status it
 * records and before each control-loop pass; times are monotonic milliseconds.
 */

export interface NodeClocks {
  /** Node -> since when it has been not Ready (offline by will, overdue, or online with Ready not True). */
  readonly notReadySince: ReadonlyMap<string, number>;
  /** Node -> NoExecute taint (`taintId`) -> since when it has been on the node. */
  readonly taintsSince: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export const noClocks: NodeClocks = { notReadySince: new Map(), taintsSince: new Map() };

/** A node's readiness changed as this coordinator sees it: logged once per change. */
export type NodeTransition =
  | { node: string; to: 'NotReady'; reason: string; message: string }
  | { node: string; to: 'Ready'; notReadyForMs: number };

/** One NoExecute taint, as a key the clocks are kept under. */
export function taintId(taint: Taint): string {
  return `${taint.key}=${taint.value ?? ''}:${taint.effect}`;
}

/** Why a node that is not Ready is so, in a word and a sentence. */
export function notReadyReason(status: NodeStatus): { reason: string; message: string } {
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (status.state === 'offline') {
    const reason = status.reason ?? 'Offline';
    const message =
      ready?.message
      ?? (reason === 'ConnectionLost' ? 'its agent lost its connection to the broker (last will)'
        : reason === 'AgentStopped' ? 'its agent stopped'
        : 'its agent is offline');
    return { reason, message };
  }
  return { reason: ready?.reason ?? 'NotReady', message: ready?.message ?? `its Ready condition is ${ready?.status ?? 'missing'}` };
}

/**
 * The clocks after looking at `statuses` (every node status held, overdue ones included)
 * at `nowMs`. A node not Ready starts its clock the first time it is seen so, and stops
 * it when Ready again; a node without a status (not heard since start, or removed from
 * the fleet) has none. The same for each NoExecute taint of a status (an offline node
 * keeps the taints it last reported). Returns the same object when nothing changed.
 */
export function advanceClocks(
  clocks: NodeClocks,
  statuses: ReadonlyMap<string, NodeStatus>,
  nowMs: number,
): { clocks: NodeClocks; transitions: NodeTransition[] } {
  const transitions: NodeTransition[] = [];
  const notReadySince = new Map<string, number>();
  const taintsSince = new Map<string, Map<string, number>>();
  let changed = false;
  for (const [node, status] of [...statuses].sort(([a], [b]) => a.localeCompare(b))) {
    const since = clocks.notReadySince.get(node);
    if (!isReadyStatus(status)) {
      notReadySince.set(node, since ?? nowMs);
      if (since === undefined) {
        changed = true;
        transitions.push({ node, to: 'NotReady', ...notReadyReason(status) });
      }
    } else if (since !== undefined) {
      changed = true;
      transitions.push({ node, to: 'Ready', notReadyForMs: nowMs - since });
    }
    const before = clocks.taintsSince.get(node);
    const taints = new Map<string, number>();
    for (const taint of status.taints ?? []) {
      if (taint.effect !== 'NoExecute') continue;
      const id = taintId(taint);
      const seen = before?.get(id);
      if (seen === undefined) changed = true;
      taints.set(id, seen ?? nowMs);
    }
    if (before !== undefined && before.size !== taints.size) changed = true;
    if (taints.size > 0) taintsSince.set(node, taints);
  }
  for (const node of clocks.notReadySince.keys()) if (!statuses.has(node)) changed = true;
  for (const node of clocks.taintsSince.keys()) if (!statuses.has(node)) changed = true;
  return { clocks: changed ? { notReadySince, taintsSince } : clocks, transitions };
}
