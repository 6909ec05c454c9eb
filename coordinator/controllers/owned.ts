import type { OwnerReference } from '../../protocol/messages.js';
import type { PodTemplate } from '../../protocol/manifest.js';
import type { StoredDaemonSet, StoredDeployment, StoredPod } from '../state.js';

/** What the controllers share: ownership of pods and the shape of their decisions. */

export type Workload = StoredDeployment | StoredDaemonSet;

/**
 * How the control loop sees a bound or pending pod when it decides what to keep:
 * - `ready`: its node is Ready and its latest report (made since the node last came
 *   back) says Ready;
 * - `notReady`: not scheduled yet, or reported not Ready (or finished) by a Ready node;
 * - `unknown`: nothing current is known (its node is not Ready, not heard from since the
 *   coordinator started, or back but not yet reporting this pod): it counts as
 *   unavailable, yet nothing may be deleted on the strength of it being unhealthy;
 * - `lost`: its node has been not Ready for longer than the pod tolerates (the
 *   `--eviction-timeout`, or the pod's own toleration of `node.kubernetes.io/unreachable`),
 *   or was removed, or carries a NoExecute taint the pod does not tolerate. A Deployment
 *   replaces a lost pod elsewhere and no longer counts it; it stays bound (its node runs
 *   it if it comes back) until the Deployment decides which copy to keep.
 */
export type PodAvailability = 'ready' | 'notReady' | 'unknown' | 'lost';

/** A controller's decision for one object; the caller applies it to the state. */
export interface ControllerResult {
  create: StoredPod[];
  /** Names of pods to delete. */
  delete: string[];
}

export function ownerReference(owner: Workload): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid };
}

/** The uid of the object that owns the pod, if any. */
export function ownerUidOf(pod: StoredPod): string | undefined {
  return pod.metadata.ownerReferences?.[0]?.uid;
}

/** A new pod from an owner's template, carrying the template's labels plus `extraLabels`. */
export function podFromTemplate(options: {
  owner: Workload;
  template: PodTemplate;
  name: string;
  uid: string;
  now: string;
  extraLabels: Record<string, string>;
  nodeName?: string;
}): StoredPod {
  const { owner, template, name, uid, now, extraLabels, nodeName } = options;
  const pod: StoredPod = {
    metadata: {
      name,
      namespace: 'default',
      uid,
      creationTimestamp: now,
      labels: { ...template.metadata.labels, ...extraLabels },
      ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec: nodeName === undefined ? template.spec : { ...template.spec, nodeName },
  };
  if (nodeName !== undefined) pod.nodeName = nodeName;
  return pod;
}

/** Deleted first to last: a pod that serves nothing goes before one that may. */
const availabilityRank: Record<PodAvailability, number> = { lost: 0, notReady: 1, unknown: 2, ready: 3 };

/**
 * Order in which surplus pods are deleted, first to go first: unbound before bound;
 * then by availability (lost, notReady, unknown, ready); then pods on a node holding
 * more of `related` (the owner's pods) before those on a node holding fewer, so what
 * stays is spread; then newer before older (as Kubernetes' ReplicaSet does); then by
 * name, so the choice is stable.
 */
export function deletionOrder(availability: (pod: StoredPod) => PodAvailability, related: readonly StoredPod[]): (a: StoredPod, b: StoredPod) => number {
  const perNode = new Map<string, number>();
  for (const pod of related) {
    if (pod.nodeName !== undefined) perNode.set(pod.nodeName, (perNode.get(pod.nodeName) ?? 0) + 1);
  }
  const colocated = (pod: StoredPod): number => (pod.nodeName === undefined ? 0 : (perNode.get(pod.nodeName) ?? 0));
  return (a, b) => {
    const bound = Number(a.nodeName !== undefined) - Number(b.nodeName !== undefined);
    if (bound !== 0) return bound;
    const rank = availabilityRank[availability(a)] - availabilityRank[availability(b)];
    if (rank !== 0) return rank;
    const crowd = colocated(b) - colocated(a);
    if (crowd !== 0) return crowd;
    const age = b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
    if (age !== 0) return age;
    return b.metadata.name.localeCompare(a.metadata.name);
  };
}
