import * as z from 'zod';
import type { ListItem } from '../../protocol/requests.js';
import { validate } from '../../protocol/validation.js';

/**
 * What `baton rollout status` says about a Deployment or DaemonSet, in kubectl's words
 * and by kubectl's rules (its status viewers): nothing is judged until the controllers
 * have observed the current generation; then new pods made, old pods gone, new pods
 * available, in that order. Pure: one list item (and the workload's pods, for the
 * warnings) in, one line out.
 */

export interface RolloutView {
  /** The line to print. */
  message: string;
  done: boolean;
  /** Set when the rollout has failed for good (exit status 1). */
  error?: string;
}

const count = z.number().int().catch(0);
const emptyStatus = {
  observedGeneration: 0,
  replicas: 0,
  updatedReplicas: 0,
  availableReplicas: 0,
  desiredNumberScheduled: 0,
  updatedNumberScheduled: 0,
  numberAvailable: 0,
  conditions: [],
};

/** The fields the viewers read; lenient (a field it cannot read counts as absent), so a newer coordinator's item still reads. */
const workloadView = z.object({
  metadata: z.object({ name: z.string(), generation: count }),
  spec: z.object({ replicas: z.number().int().optional().catch(undefined) }).catch({}),
  status: z
    .object({
      observedGeneration: count,
      replicas: count,
      updatedReplicas: count,
      availableReplicas: count,
      desiredNumberScheduled: count,
      updatedNumberScheduled: count,
      numberAvailable: count,
      conditions: z.array(z.object({ type: z.string(), reason: z.string().optional() }).catch({ type: '' })).catch([]),
    })
    .catch(emptyStatus),
});
type WorkloadView = z.output<typeof workloadView>;

function read(item: ListItem): WorkloadView {
  const view = validate(workloadView, item);
  return view.ok ? view.value : { metadata: { name: item.metadata.name, generation: 0 }, spec: {}, status: emptyStatus };
}

/** Kubernetes' reason on the Progressing condition once `progressDeadlineSeconds` has passed without progress. */
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

/** A Deployment's rollout, as kubectl's DeploymentStatusViewer; `warning` is appended to a waiting line. */
export function deploymentRolloutStatus(item: ListItem, warning?: string): RolloutView {
  const { metadata, spec, status } = read(item);
  const name = JSON.stringify(metadata.name);
  const waiting = (text: string): RolloutView => ({ message: withWarning(text, warning), done: false });
  if (metadata.generation > status.observedGeneration) return waiting('Waiting for deployment spec update to be observed...');
  const progressing = status.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED) {
    return { message: '', done: false, error: `deployment ${name} exceeded its progress deadline` };
  }
  const prefix = `Waiting for deployment ${name} rollout to finish:`;
  if (spec.replicas !== undefined && status.updatedReplicas < spec.replicas) {
    return waiting(`${prefix} ${status.updatedReplicas} out of ${spec.replicas} new replicas have been updated...`);
  }
  if (status.replicas > status.updatedReplicas) return waiting(`${prefix} ${status.replicas - status.updatedReplicas} old replicas are pending termination...`);
  if (status.availableReplicas < status.updatedReplicas) {
    return waiting(`${prefix} ${status.availableReplicas} of ${status.updatedReplicas} updated replicas are available...`);
  }
  return { message: `deployment ${name} successfully rolled out`, done: true };
}

/** A DaemonSet's rollout, as kubectl's DaemonSetStatusViewer. */
export function daemonSetRolloutStatus(item: ListItem, warning?: string): RolloutView {
  const { metadata, status } = read(item);
  const strategy = (item.spec['updateStrategy'] as { type?: unknown } | undefined)?.type;
  if (strategy !== undefined && strategy !== 'RollingUpdate') {
    return { message: '', done: false, error: 'rollout status is only available for RollingUpdate strategy type' };
  }
  const name = JSON.stringify(metadata.name);
  const waiting = (text: string): RolloutView => ({ message: withWarning(text, warning), done: false });
  if (metadata.generation > status.observedGeneration) return waiting('Waiting for daemon set spec update to be observed...');
  const prefix = `Waiting for daemon set ${name} rollout to finish:`;
  if (status.updatedNumberScheduled < status.desiredNumberScheduled) {
    return waiting(`${prefix} ${status.updatedNumberScheduled} out of ${status.desiredNumberScheduled} new pods have been updated...`);
  }
  if (status.numberAvailable < status.desiredNumberScheduled) {
    return waiting(`${prefix} ${status.numberAvailable} of ${status.desiredNumberScheduled} updated pods are available...`);
  }
  return { message: `daemon set ${name} successfully rolled out`, done: true };
}

function withWarning(text: string, warning: string | undefined): string {
  return warning === undefined ? text : `${text} (Warning: ${warning})`;
}

/** Container waiting reasons that mean a pod will not come up by itself, as kubectl lists them. */
const STUCK_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError']);

const podView = z.object({
  metadata: z.object({ ownerReferences: z.array(z.object({ uid: z.string() })).optional().catch(undefined) }),
  status: z
    .object({
      conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).catch([]),
      containerStatuses: z
        .array(z.object({ state: z.object({ waiting: z.object({ reason: z.string(), message: z.string().optional() }).optional() }).catch({}) }))
        .catch([]),
    })
    .optional()
    .catch(undefined),
});

/**
 * The first reason, among the pods `ownerUid` owns, that the rollout cannot go on by
 * itself: a pod the scheduler cannot place (its message), or a container stuck
 * (`ImagePullBackOff - message`). Undefined when there is none.
 */
export function rolloutWarning(pods: readonly ListItem[], ownerUid: string): string | undefined {
  for (const item of pods) {
    const pod = validate(podView, item);
    if (!pod.ok || !pod.value.metadata.ownerReferences?.some((o) => o.uid === ownerUid)) continue;
    const status = pod.value.status;
    const unschedulable = status?.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
    if (unschedulable !== undefined) return unschedulable.message ?? '';
    for (const container of status?.containerStatuses ?? []) {
      const waiting = container.state.waiting;
      if (waiting !== undefined && STUCK_REASONS.has(waiting.reason)) return `${waiting.reason} - ${waiting.message ?? ''}`;
    }
  }
  return undefined;
}

/**
 * kubectl's words when `--timeout` passes (the last line printed says what the rollout
 * was waiting for). Scripts and tests match on them, so they are kept exactly.
 */
export const TIMED_OUT_MESSAGE = 'timed out waiting for the condition';
