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

/** One node's clocks after looking at its status (undefined: none held) at `nowMs`. */
function nextNodeClocks(
  clocks: NodeClocks,
  node: string,
  status: NodeStatus | undefined,
  nowMs: number,
): { since: number | undefined; taints: ReadonlyMap<string, number> | undefined; changed: boolean; transition?: NodeTransition } {
  const before = clocks.notReadySince.get(node);
  const beforeTaints = clocks.taintsSince.get(node);
  if (status === undefined) return { since: undefined, taints: undefined, changed: before !== undefined || beforeTaints !== undefined };
  let changed = false;
  let since: number | undefined;
  let transition: NodeTransition | undefined;
  if (!isReadyStatus(status)) {
    since = before ?? nowMs;
    if (before === undefined) {
      changed = true;
      transition = { node, to: 'NotReady', ...notReadyReason(status) };
    }
  } else if (before !== undefined) {
    changed = true;
    transition = { node, to: 'Ready', notReadyForMs: nowMs - before };
  }
  const noExecute = (status.taints ?? []).filter((t) => t.effect === 'NoExecute');
  let taints: Map<string, number> | undefined;
  if (noExecute.length > 0) {
    taints = new Map();
    for (const taint of noExecute) {
      const id = taintId(taint);
      const seen = beforeTaints?.get(id);
      if (seen === undefined) changed = true;
      taints.set(id, seen ?? nowMs);
    }
  }
  if ((beforeTaints?.size ?? 0) !== (taints?.size ?? 0)) changed = true;
  return { since, taints, changed, ...(transition ? { transition } : {}) };
}

/**
 * One node's clocks after looking at its status (undefined: not held, as for a node
 * removed from the fleet) at `nowMs`: a node not Ready starts its clock the first time it
 * is seen so, and stops it when Ready again; the same for each NoExecute taint of its
 * status (an offline node keeps the taints it last reported). Returns the same object
 * when nothing changed, which is what a heartbeat of a Ready node costs: O(1).
 */
export function advanceNode(
  clocks: NodeClocks,
  node: string,
  status: NodeStatus | undefined,
  nowMs: number,
): { clocks: NodeClocks; transitions: NodeTransition[] } {
  const next = nextNodeClocks(clocks, node, status, nowMs);
  if (!next.changed) return { clocks, transitions: [] };
  const notReadySince = new Map(clocks.notReadySince);
  const taintsSince = new Map(clocks.taintsSince);
  if (next.since === undefined) notReadySince.delete(node);
  else notReadySince.set(node, next.since);
  if (next.taints === undefined) taintsSince.delete(node);
  else taintsSince.set(node, next.taints);
  return { clocks: { notReadySince, taintsSince }, transitions: next.transition ? [next.transition] : [] };
}

/**
 * The clocks after looking at every status held (overdue ones included) at `nowMs`: as
 * `advanceNode` for each, and a node that has no status any more (removed from the
 * fleet) has none. Returns the same object when nothing changed.
 */
export function advanceClocks(
  clocks: NodeClocks,
  statuses: ReadonlyMap<string, NodeStatus>,
  nowMs: number,
): { clocks: NodeClocks; transitions: NodeTransition[] } {
  const names = new Set([...statuses.keys(), ...clocks.notReadySince.keys(), ...clocks.taintsSince.keys()]);
  const transitions: NodeTransition[] = [];
  let next = clocks;
  for (const node of [...names].sort()) {
    const step = advanceNode(next, node, statuses.get(node), nowMs);
    next = step.clocks;
    transitions.push(...step.transitions);
  }
  return { clocks: next, transitions };
}
