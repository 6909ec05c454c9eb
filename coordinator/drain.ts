import type { DrainResult } from '../protocol/requests.js';
import { isKnownNode, nodeNotFound, withCordon } from './cordon.js';
import type { Observations } from './reconcile.js';
import type { CoordinatorState, Entropy, StoredPod } from './state.js';

/**
 * `drain NODE`, pure, with kubectl's rules: the node is cordoned, pods a controller
 * owns are deleted so that their Deployment recreates them on other nodes, DaemonSet
 * pods stay (as with `kubectl drain --ignore-daemonsets`: they tolerate the cordon and
 * would only come back), and pods that declare no controller make the drain refuse,
 * because nothing would recreate them, unless `force` deletes them too.
 */

export interface DrainPlan {
  /** Pods to delete, by name, sorted. */
  evict: string[];
  /** DaemonSet pods left on the node. */
  ignore: string[];
  /** Pods with no controller; listed when the drain refuses, evicted with `force`. */
  unmanaged: string[];
}

/** Sorts the node's pods into what a drain does with each. */
export function planDrain(podsOnNode: readonly StoredPod[], force: boolean): DrainPlan & { refuse: boolean } {
  const plan: DrainPlan = { evict: [], ignore: [], unmanaged: [] };
  for (const pod of podsOnNode) {
    const owner = pod.metadata.ownerReferences?.[0];
    const name = pod.metadata.name;
    if (owner === undefined) {
      plan.unmanaged.push(name);
      if (force) plan.evict.push(name);
    } else if (owner.kind === 'DaemonSet') {
      plan.ignore.push(name);
    } else {
      plan.evict.push(name);
    }
  }
  for (const list of [plan.evict, plan.ignore, plan.unmanaged]) list.sort();
  return { ...plan, refuse: plan.unmanaged.length > 0 && !force };
}

/** kubectl's words for a refused drain, naming the pods as `default/NAME`. */
export function unmanagedPodsMessage(names: readonly string[]): string {
  return `cannot delete Pods that declare no controller (use --force to override): ${names.map((n) => `default/${n}`).join(', ')}`;
}

export type DrainOutcome = { ok: true; result: DrainResult; state: CoordinatorState } | { ok: false; code: 'NotFound' | 'Invalid'; message: string };

/** Cordons `name` and deletes the pods `planDrain` evicts; refused, changing nothing, as `planDrain` decides. */
export function drainNode(
  state: CoordinatorState,
  observed: Observations,
  name: string,
  force: boolean,
  entropy: Pick<Entropy, 'newUid' | 'now'>,
): DrainOutcome {
  if (!isKnownNode(state, observed, name)) return { ok: false, code: 'NotFound', message: nodeNotFound(name) };
  const plan = planDrain(
    Object.values(state.pods).filter((p) => p.nodeName === name),
    force,
  );
  if (plan.refuse) return { ok: false, code: 'Invalid', message: unmanagedPodsMessage(plan.unmanaged) };
  const cordoned = withCordon(state, name, true, entropy);
  const evicted = new Set(plan.evict);
  const pods = Object.fromEntries(Object.entries(cordoned.pods).filter(([podName]) => !evicted.has(podName)));
  return { ok: true, result: { node: name, evicted: plan.evict, ignored: plan.ignore }, state: { ...cordoned, pods } };
}
