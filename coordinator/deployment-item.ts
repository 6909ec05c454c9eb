import type { ListItem } from '../protocol/requests.js';
import type { PodAvailability } from './controllers/owned.js';
import { deploymentStatus, rolloutSnapshot } from './deployment-status.js';
import { isPodReady } from './reconcile.js';
import { ownedPods, reportedStatus, workloadMetadata, type ListContext } from './list-items.js';
import { currentRevision } from './revisions.js';
import type { StoredDeployment, StoredPod } from './state.js';

/** The annotation Kubernetes puts on a Deployment: the revision number of its current template. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * A Deployment as `list deployments` reports it: spec as applied, its revision in the
 * `deployment.kubernetes.io/revision` annotation, and a Kubernetes status from its pods
 * as the control loop sees them (deployment-status.ts).
 */
export function deploymentItem(deployment: StoredDeployment, context: ListContext): ListItem {
  const pods = ownedPods(context.state, deployment.metadata.uid);
  const availability =
    context.podAvailability ?? ((pod: StoredPod): PodAvailability => (isPodReady(reportedStatus(pod, context)) ? 'ready' : 'notReady'));
  const snapshot = rolloutSnapshot(deployment, pods, availability);
  const record = context.deploymentProgress?.(deployment.metadata.uid);
  const metadata = workloadMetadata(deployment);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...metadata, annotations: { ...metadata.annotations, [REVISION_ANNOTATION]: String(currentRevision(deployment)) } },
    spec: { ...deployment.spec },
    status: { ...deploymentStatus(snapshot, record, context.observedGeneration(deployment.metadata.uid) ?? 0) },
  };
}
