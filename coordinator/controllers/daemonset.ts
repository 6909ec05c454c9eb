import type { NodeView } from '../node-view.js';
import { disallowedReason, FILTERED_EFFECTS, firstUntoleratedTaint, matchesNodeAffinity } from '../scheduler-filters.js';
import { generatePodName, podTemplateHash } from '../pod-names.js';
import type { Entropy, StoredDaemonSet, StoredPod } from '../state.js';
import { podFromTemplate, type ControllerResult, type PodAvailability } from './owned.js';
import { daemonSetUpdateStrategy, type DaemonSetUpdateStrategy } from './daemonset-strategy.js';

/** The label that ties a DaemonSet's pods to the template they were made from. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface DaemonSetControllerInput {
  daemonSet: StoredDaemonSet;
  /** The pods this DaemonSet owns. */
  pods: readonly StoredPod[];
  /** Every node the coordinator knows of, heard from or not. */
  nodes: readonly NodeView[];
  takenNames: ReadonlySet<string>;
  entropy: Entropy;
  /** How the control loop sees each pod (see PodAvailability); what a rolling update waits on. */
  availability(pod: StoredPod): PodAvailability;
}

/** The template's nodeName, nodeSelector and required node affinity match the node. */
function matchesNode(daemonSet: StoredDaemonSet, node: NodeView): boolean {
  const spec = daemonSet.spec.template.spec;
  return (spec.nodeName === undefined || spec.nodeName === node.name) && matchesNodeAffinity(spec, node.labels);
}

/**
 * The node should run the pod, with the scheduler's predicates (as Kubernetes' DaemonSet
 * controller): it matches, and the pod tolerates its NoSchedule and NoExecute taints.
 * Baton's nodes carry only the taints their agents were given, so the tolerations
 * Kubernetes adds to daemon pods for its node-condition taints have nothing to match.
 */
/**
 * A node the DaemonSet should run on: selected, its taints tolerated, and allowing what
 * the template asks for (privileged, hostNetwork, hostPath, devices). A node that does
 * not allow it is left out as a node that does not match is, instead of getting a pod
 * its agent would refuse.
 */
function selects(daemonSet: StoredDaemonSet, node: NodeView): boolean {
  const spec = daemonSet.spec.template.spec;
  return matchesNode(daemonSet, node) && firstUntoleratedTaint(node.taints, spec.tolerations, FILTERED_EFFECTS) === undefined && disallowedReason(spec, node.allows) === undefined;
}

/** A pod already there keeps running unless a NoExecute taint it does not tolerate came (a new NoSchedule taint only keeps new pods away). */
function mayContinue(daemonSet: StoredDaemonSet, node: NodeView): boolean {
  return matchesNode(daemonSet, node) && firstUntoleratedTaint(node.taints, daemonSet.spec.template.spec.tolerations, ['NoExecute']) === undefined;
}

/** A node that should get a pod now: online, Ready, selected and its taints tolerated. */
function wantsPod(daemonSet: StoredDaemonSet, node: NodeView): boolean {
  return node.presence === 'online' && node.ready && selects(daemonSet, node);
}

/**
 * A node that may keep the pod it has. A bound pod stays on its node while the node is
 * offline or not heard from yet (after a coordinator restart its status is still on its
 * way), whatever labels are known for it then: an offline status carries none of its own,
 * and removing the pod would recreate its containers when the node comes back. Only an
 * online node that no longer matches or has an untolerated NoExecute taint, or a node
 * removed from the fleet, loses it.
 */
function mayKeepPod(daemonSet: StoredDaemonSet, node: NodeView | undefined): boolean {
  if (node === undefined) return true;
  switch (node.presence) {
    case 'unheard':
    case 'offline':
      return true;
    case 'gone':
      return false;
    case 'online':
      return mayContinue(daemonSet, node);
  }
}

export interface DaemonSetCoverage {
  /** Nodes that should run the pod: `desiredNumberScheduled`. */
  desired: number;
  /** Of those, the nodes with a pod of this DaemonSet bound: `currentNumberScheduled`. */
  scheduled: number;
}

/**
 * How many nodes should run the DaemonSet's pod, and how many of them have one. A node
 * counts if it is known (not removed from the fleet) and the template selects it, by
 * the labels it last reported (so an offline node still counts, ready or not), or if it
 * holds a pod the controller keeps (an offline or unheard node whose labels are not
 * known). Pure.
 */
export function daemonSetCoverage(daemonSet: StoredDaemonSet, nodes: readonly NodeView[], pods: readonly StoredPod[]): DaemonSetCoverage {
  const withPod = new Set<string>();
  for (const pod of pods) if (pod.nodeName !== undefined) withPod.add(pod.nodeName);
  const views = new Map(nodes.map((n) => [n.name, n]));
  let desired = 0;
  let scheduled = 0;
  for (const name of new Set([...views.keys(), ...withPod])) {
    const node = views.get(name);
    const hasPod = withPod.has(name);
    const shouldRun = node === undefined ? hasPod : node.presence !== 'gone' && (selects(daemonSet, node) || (hasPod && mayKeepPod(daemonSet, node)));
    if (!shouldRun) continue;
    desired += 1;
    if (hasPod) scheduled += 1;
  }
  return { desired, scheduled };
}

/**
 * One pod of the current template on every node that is online, Ready, selected by the
 * template's nodeSelector and node affinity and whose taints it tolerates, bound there
 * directly; pods on nodes that no longer match are removed. Pods of an older template
 * are replaced as the update strategy says (see `replaceable`). Pure.
 */
export function reconcileDaemonSet(input: DaemonSetControllerInput): ControllerResult {
  const { daemonSet, entropy } = input;
  const template = daemonSet.spec.template;
  const hash = podTemplateHash(template);
  const nodes = new Map(input.nodes.map((n) => [n.name, n]));
  const result: ControllerResult = { create: [], delete: [] };

  const byNode = new Map<string, StoredPod[]>();
  for (const pod of input.pods) {
    if (pod.nodeName === undefined) {
      result.delete.push(pod.metadata.name);
      continue;
    }
    byNode.set(pod.nodeName, [...(byNode.get(pod.nodeName) ?? []), pod]);
  }

  /** Node -> the one pod it keeps, of the current template or (until replaced) an older one. */
  const kept = new Map<string, StoredPod>();
  const outdated: StoredPod[] = [];
  for (const [nodeName, pods] of byNode) {
    const keepAny = mayKeepPod(daemonSet, nodes.get(nodeName));
    const current = oldestFirst(pods.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash));
    const keep = keepAny ? (current[0] ?? oldestFirst(pods)[0]) : undefined;
    if (keep) kept.set(nodeName, keep);
    if (keep !== undefined && keep !== current[0]) outdated.push(keep);
    for (const pod of pods) if (pod !== keep) result.delete.push(pod.metadata.name);
  }

  const strategy = daemonSetUpdateStrategy(daemonSet, daemonSetCoverage(daemonSet, input.nodes, input.pods).desired);
  for (const pod of replaceable(daemonSet, strategy, outdated, kept, input)) {
    kept.delete(pod.nodeName ?? '');
    result.delete.push(pod.metadata.name);
  }

  const added = new Set<string>();
  const isTaken = (name: string): boolean => added.has(name) || input.takenNames.has(name);
  for (const node of input.nodes) {
    if (kept.has(node.name) || !wantsPod(daemonSet, node)) continue;
    const name = generatePodName(daemonSet.metadata.name, isTaken, () => entropy.nameSuffix());
    added.add(name);
    result.create.push(
      podFromTemplate({
        owner: daemonSet,
        template,
        name,
        uid: entropy.newUid(),
        now: entropy.now(),
        extraLabels: { [REVISION_HASH_LABEL]: hash },
        nodeName: node.name,
      }),
    );
  }
  return result;
}

function oldestFirst(pods: readonly StoredPod[]): StoredPod[] {
  return [...pods].sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * The pods of an older template to delete in this pass, so that their nodes get the
 * current one. OnDelete: none (the user deletes them). RollingUpdate, as Kubernetes'
 * DaemonSet controller with maxSurge 0: an old pod that is not Ready goes at once; a
 * Ready one only while fewer than maxUnavailable of the nodes that should run the pod
 * are without a Ready one, counting those replaced in this pass. Only nodes that can
 * take the new pod now (online, Ready, selected) are touched, and only they count: a
 * Pi that is switched off does not hold up an update of the rest of the fleet; its pod
 * is updated when it is back.
 */
function replaceable(
  daemonSet: StoredDaemonSet,
  strategy: DaemonSetUpdateStrategy,
  outdated: readonly StoredPod[],
  kept: ReadonlyMap<string, StoredPod>,
  input: DaemonSetControllerInput,
): StoredPod[] {
  if (strategy.type === 'OnDelete') return [];
  const nodes = new Map(input.nodes.map((n) => [n.name, n]));
  const canTakeNew = (pod: StoredPod): boolean => {
    const node = nodes.get(pod.nodeName ?? '');
    return node !== undefined && wantsPod(daemonSet, node);
  };
  let unavailable = 0;
  for (const node of input.nodes) {
    if (!wantsPod(daemonSet, node)) continue;
    const pod = kept.get(node.name);
    if (pod === undefined || input.availability(pod) !== 'ready') unavailable += 1;
  }
  const chosen: StoredPod[] = [];
  const sorted = [...outdated].filter(canTakeNew).sort((a, b) => (a.nodeName ?? '').localeCompare(b.nodeName ?? ''));
  for (const pod of sorted) if (input.availability(pod) === 'notReady') chosen.push(pod);
  for (const pod of sorted) {
    if (unavailable >= strategy.maxUnavailable) break;
    if (input.availability(pod) !== 'ready') continue;
    chosen.push(pod);
    unavailable += 1;
  }
  return chosen;
}
