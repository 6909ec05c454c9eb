import * as z from 'zod';
import { podStatusSchema, type PodStatus } from '../../protocol/messages.js';
import { type ListItem } from '../../protocol/requests.js';
import { validate } from '../../protocol/validation.js';

/**
 * What the CLI reads out of a `list` reply's items to print tables. Lenient on purpose
 * (unknown fields are ignored, counts default to 0): a newer coordinator must still be
 * readable, and a table cell is no reason to fail.
 */

const count = z.number().int().catch(0);
const selector = z.record(z.string(), z.string()).optional().catch(undefined);

const podSpecView = z.object({
  containers: z.array(z.object({ name: z.string(), image: z.string().catch('') })).catch([]),
  nodeName: z.string().optional().catch(undefined),
  nodeSelector: selector,
});
export type PodSpecView = z.output<typeof podSpecView>;

const templateView = z.object({ spec: podSpecView }).catch({ spec: { containers: [] } });
const matchLabelsView = z.object({ matchLabels: selector }).optional().catch(undefined);

const deploymentView = z.object({
  spec: z.object({ replicas: count, selector: matchLabelsView, template: templateView }),
  status: z
    .object({ replicas: count, readyReplicas: count, updatedReplicas: count, availableReplicas: count })
    .default({ replicas: 0, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0 }),
});
export type DeploymentView = z.output<typeof deploymentView>;

const daemonSetView = z.object({
  spec: z.object({ selector: matchLabelsView, template: templateView }),
  status: z
    .object({
      desiredNumberScheduled: count,
      currentNumberScheduled: count,
      numberReady: count,
      numberAvailable: count,
      updatedNumberScheduled: count,
    })
    .default({ desiredNumberScheduled: 0, currentNumberScheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 }),
});
export type DaemonSetView = z.output<typeof daemonSetView>;

/** A pod whose status cannot be read is shown as Unknown rather than dropped. */
const unknownStatus: PodStatus = { phase: 'Unknown', conditions: [], containerStatuses: [] };

export interface PodView {
  spec: PodSpecView;
  status: PodStatus;
}

export function viewPod(item: ListItem): PodView {
  const spec = validate(podSpecView, item.spec);
  const status = validate(podStatusSchema, item.status);
  return { spec: spec.ok ? spec.value : { containers: [] }, status: status.ok ? status.value : unknownStatus };
}

export function viewDeployment(item: ListItem): DeploymentView {
  const view = validate(deploymentView, { spec: item.spec, status: item.status });
  return view.ok
    ? view.value
    : { spec: { replicas: 0, template: { spec: { containers: [] } } }, status: { replicas: 0, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0 } };
}

export function viewDaemonSet(item: ListItem): DaemonSetView {
  const view = validate(daemonSetView, { spec: item.spec, status: item.status });
  return view.ok
    ? view.value
    : {
        spec: { template: { spec: { containers: [] } } },
        status: { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 },
      };
}
