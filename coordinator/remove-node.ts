import type { CoordinatorState } from './state.js';

/**
 * `baton delete node NAME`, the part over the store, pure: the node's record goes, and
 * with it every pod bound to it, as Kubernetes' pod garbage collector deletes the pods
 * of a deleted Node. Their Deployments make new ones elsewhere and their DaemonSets no
 * longer count the node. Without a record the node gets no desired state any more; if
 * it is heard from again (it joined again), it is a new node, whose generations carry on
 * above the one it reports.
 */
export function removeNodeFromState(state: CoordinatorState, node: string): { state: CoordinatorState; deletedPods: string[] } {
  const deletedPods = Object.values(state.pods)
    .filter((pod) => pod.nodeName === node)
    .map((pod) => pod.metadata.name)
    .sort();
  const pods = Object.fromEntries(Object.entries(state.pods).filter(([, pod]) => pod.nodeName !== node));
  const nodes = Object.fromEntries(Object.entries(state.nodes).filter(([name]) => name !== node));
  return { state: { ...state, pods, nodes }, deletedPods };
}
