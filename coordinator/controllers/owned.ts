import type { OwnerReference } from '../../protocol/messages.js';
import type { PodTemplate } from '../../protocol/manifest.js';
import type { StoredDaemonSet, StoredDeployment, StoredPod } from '../state.js';

/** What the controllers share: ownership of pods and the shape of their decisions. */

export type Workload = StoredDeployment | StoredDaemonSet;

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

/**
 * Order in which surplus pods are deleted, first to go first: unbound before bound,
 * not ready before ready, newer before older (as Kubernetes' ReplicaSet does), then by
 * name so the choice is stable.
 */
export function deletionOrder(isReady: (pod: StoredPod) => boolean): (a: StoredPod, b: StoredPod) => number {
  return (a, b) => {
    const bound = Number(a.nodeName !== undefined) - Number(b.nodeName !== undefined);
    if (bound !== 0) return bound;
    const ready = Number(isReady(a)) - Number(isReady(b));
    if (ready !== 0) return ready;
    const age = b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
    if (age !== 0) return age;
    return b.metadata.name.localeCompare(a.metadata.name);
  };
}
