import type { CordonResult } from '../protocol/requests.js';
import type { Observations } from './reconcile.js';
import type { CoordinatorState, Entropy, StoredNode } from './state.js';

/**
 * `cordon` and `uncordon`, pure. The flag lives on the node's record in the store, so a
 * restarted coordinator keeps it; the scheduler reads it through the node's view. A
 * request that changes nothing returns no new state, so nothing is written.
 */

export type CordonOutcome =
  | { ok: true; result: CordonResult; state?: CoordinatorState }
  | { ok: false; message: string };

/** A node `get nodes` would list: in the store and not removed from the fleet, or heard from. */
export function isKnownNode(state: CoordinatorState, observed: Observations, name: string): boolean {
  return observed.nodeStatuses.has(name) || (state.nodes[name] !== undefined && !observed.goneNodes.has(name));
}

export function nodeNotFound(name: string): string {
  return `Node "${name}" not found`;
}

/** The node's record with the flag set or cleared; a node heard from but not yet in the table gets one. */
export function withCordon(state: CoordinatorState, name: string, unschedulable: boolean, entropy: Pick<Entropy, 'newUid' | 'now'>): CoordinatorState {
  const stored: StoredNode = state.nodes[name] ?? { name, uid: entropy.newUid(), creationTimestamp: entropy.now(), generation: 0 };
  const { unschedulable: _old, ...rest } = stored;
  const node: StoredNode = unschedulable ? { ...rest, unschedulable: true } : rest;
  return { ...state, nodes: { ...state.nodes, [name]: node } };
}

export function cordonNode(
  state: CoordinatorState,
  observed: Observations,
  name: string,
  unschedulable: boolean,
  entropy: Pick<Entropy, 'newUid' | 'now'>,
): CordonOutcome {
  if (!isKnownNode(state, observed, name)) return { ok: false, message: nodeNotFound(name) };
  const current = state.nodes[name]?.unschedulable === true;
  if (current === unschedulable) return { ok: true, result: { node: name, unschedulable, changed: false } };
  return { ok: true, result: { node: name, unschedulable, changed: true }, state: withCordon(state, name, unschedulable, entropy) };
}
