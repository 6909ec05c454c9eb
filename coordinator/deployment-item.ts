import type { ListItem } from '../protocol/messages.js';
import { POD_TEMPLATE_HASH_LABEL } from './controllers/deployment.js';
import { podTemplateHash } from './pod-names.js';
import { isPodReady } from './reconcile.js';
import { ownedPods, reportedStatus, workloadMetadata, type ListContext } from './list-items.js';
import type { StoredDeployment } from './state.js';

/** A Deployment as `list deployments` reports it: spec as applied, status from its pods' reports. */
export function deploymentItem(deployment: StoredDeployment, context: ListContext): ListItem {
  const pods = ownedPods(context.state, deployment.metadata.uid);
  const hash = podTemplateHash(deployment.spec.template);
  const ready = pods.filter((p) => isPodReady(reportedStatus(p, context))).length;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: workloadMetadata(deployment),
    spec: { ...deployment.spec },
    status: {
      replicas: pods.length,
      readyReplicas: ready,
      updatedReplicas: pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash).length,
      availableReplicas: ready,
      observedGeneration: context.observedGeneration(deployment.metadata.uid) ?? 0,
    },
  };
}
