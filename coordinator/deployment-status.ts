import { hasTemplateHash } from './controllers/deployment.js';
import { ownerUidOf, type PodAvailability } from './controllers/owned.js';
import { minAvailable } from './controllers/rolling-update.js';
import { deploymentConditions, type ProgressRecord, type RolloutSnapshot } from './deployment-progress.js';
import { podTemplateHash } from './pod-names.js';
import type { CoordinatorState, StoredDeployment, StoredPod } from './state.js';

/**
 * A Deployment's status with Kubernetes' fields, from its pods as the control loop sees
 * them (PodAvailability). Lost pods are not counted, as Kubernetes does not count pods
 * it has evicted; a pod is available as soon as it is Ready (`minReadySeconds` is 0).
 * Pure.
 */

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  conditions: ReturnType<typeof deploymentConditions>;
}

export function rolloutSnapshot(deployment: StoredDeployment, pods: readonly StoredPod[], availability: (pod: StoredPod) => PodAvailability): RolloutSnapshot {
  const { spec } = deployment;
  const templateHash = podTemplateHash(spec.template);
  const counted = pods.filter((p) => availability(p) !== 'lost');
  const ready = counted.filter((p) => availability(p) === 'ready').length;
  return {
    templateHash,
    replicaSetName: `${deployment.metadata.name}-${templateHash}`,
    desired: spec.replicas,
    minAvailable: minAvailable(spec.strategy, spec.replicas),
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    counts: { replicas: counted.length, updated: counted.filter((p) => hasTemplateHash(p, templateHash)).length, ready, available: ready },
  };
}

/** Deployment uid -> what the state shows of it: what the shell feeds the progress tracker after each pass. */
export function rolloutSnapshots(state: CoordinatorState, availability: (pod: StoredPod) => PodAvailability): Map<string, RolloutSnapshot> {
  const byOwner = new Map<string, StoredPod[]>();
  for (const pod of Object.values(state.pods)) {
    const owner = ownerUidOf(pod);
    if (owner === undefined) continue;
    const group = byOwner.get(owner);
    if (group) group.push(pod);
    else byOwner.set(owner, [pod]);
  }
  const snapshots = new Map<string, RolloutSnapshot>();
  for (const deployment of Object.values(state.deployments)) {
    snapshots.set(deployment.metadata.uid, rolloutSnapshot(deployment, byOwner.get(deployment.metadata.uid) ?? [], availability));
  }
  return snapshots;
}

/**
 * The status fields. `unavailableReplicas` is, as Kubernetes computes it, the counted
 * pods not available; the conditions come from the progress record when one is kept
 * for the current template, else from the snapshot alone (without times).
 */
export function deploymentStatus(snapshot: RolloutSnapshot, record: ProgressRecord | undefined, observedGeneration: number): DeploymentStatus {
  const { counts } = snapshot;
  return {
    observedGeneration,
    replicas: counts.replicas,
    updatedReplicas: counts.updated,
    readyReplicas: counts.ready,
    availableReplicas: counts.available,
    unavailableReplicas: Math.max(0, counts.replicas - counts.available),
    conditions: deploymentConditions(snapshot, record),
  };
}
