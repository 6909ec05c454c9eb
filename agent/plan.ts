import type { ContainerSpec } from '../protocol/manifest.js';
import type { DesiredPod, NodeDesired } from '../protocol/messages.js';
import { currentInstance, readLabels, specHash, type PodContainer } from './container-labels.js';
import { createSpec } from './container-spec.js';
import { decideRestart, terminatedState } from './restart-policy.js';
import type { ActualContainer, ContainerCreateSpec } from './runtime/runtime.js';

/**
 * The planner: a pure function from the desired state, the containers the engine has
 * and the context (time included) to the actions that bring the two closer. Each action
 * carries its reason. The executor performs them; the next pass looks at the world
 * again rather than trusting that they worked.
 */

interface ActionBase {
  readonly pod: string;
  readonly podUid: string;
  readonly container: string;
  readonly reason: string;
}

export type Action =
  | (ActionBase & { readonly type: 'pull'; readonly image: string; readonly specHash: string })
  /** Creates the container and starts it. */
  | (ActionBase & { readonly type: 'create'; readonly spec: ContainerCreateSpec; readonly specHash: string })
  | (ActionBase & { readonly type: 'start'; readonly id: string; readonly specHash: string })
  /**
   * Stops the container (SIGTERM, then SIGKILL after the grace period) if running, then
   * removes it. `isDetached` when nothing that follows waits for it (its pod is gone),
   * so a long grace period holds up no other pod.
   */
  | (ActionBase & { readonly type: 'remove'; readonly id: string; readonly graceSeconds: number; readonly isRunning: boolean; readonly isDetached: boolean })
  /** Nothing to do before `until` (epoch ms): the loop wakes itself then. */
  | (ActionBase & { readonly type: 'wait'; readonly until: number });

export type ActionType = Action['type'];

/** A step that failed, remembered so that it is not retried more often than allowed. */
export interface StepFailure {
  readonly podUid: string;
  readonly step: 'pull' | 'create' | 'start';
  /** Kubernetes' waiting reason: ErrImagePull, CreateContainerError, RunContainerError. */
  readonly reason: string;
  readonly message: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface PlanContext {
  readonly node: string;
  /** Epoch ms. */
  readonly now: number;
  /** Images present on the engine (as referenced in pod specs). */
  readonly images: ReadonlySet<string>;
  /** Failed steps by failureKey(). */
  readonly failures: ReadonlyMap<string, StepFailure>;
  /** The least time between two starts of one container, and between retries of a failed step. */
  readonly retryIntervalMs: number;
}

/** Failures are remembered per container spec: a changed spec is tried again at once. */
export function failureKey(podUid: string, container: string, hash: string): string {
  return `${podUid}/${container}/${hash}`;
}

/** The Baton containers of this node, with their labels read; everything else is left alone. */
export function ownContainers(actual: readonly ActualContainer[], node: string): PodContainer[] {
  return actual.map(readLabels).filter((c): c is PodContainer => c !== undefined && c.node === node);
}

export function plan(desired: NodeDesired | undefined, actual: readonly ActualContainer[], context: PlanContext): Action[] {
  // Until the agent has a desired state, it knows nothing it could act on.
  if (desired === undefined) return [];
  const ours = ownContainers(actual, context.node);
  const pods = new Map(desired.pods.map((p) => [p.uid, p]));
  const names = new Set(desired.pods.map((p) => p.name));
  const actions: Action[] = [];
  for (const c of ours) {
    const reason = unwantedReason(c, pods.get(c.podUid));
    // No desired pod of that name follows it, so nothing needs to wait for it to stop.
    if (reason !== undefined) actions.push(removeAction(c, reason, !names.has(c.pod)));
  }
  for (const pod of desired.pods) {
    for (const spec of pod.spec.containers) {
      const instances = ours.filter((c) => c.podUid === pod.uid && c.container === spec.name);
      actions.push(...planContainer(pod, spec, instances, context));
    }
  }
  return actions;
}

/** Why a container must go, or undefined if its pod still wants it as it is. */
function unwantedReason(c: PodContainer, pod: DesiredPod | undefined): string | undefined {
  if (pod === undefined) return `pod ${c.pod} (uid ${c.podUid}) is no longer desired on this node`;
  if (pod.name !== c.pod) return `pod uid ${c.podUid} now names pod ${pod.name}, not ${c.pod}`;
  const spec = pod.spec.containers.find((s) => s.name === c.container);
  if (spec === undefined) return `container ${c.container} is no longer in the spec of pod ${c.pod}`;
  if (specHash(spec) !== c.specHash) return `the spec of container ${c.container} changed`;
  return undefined;
}

function removeAction(c: PodContainer, reason: string, isDetached = false): Action {
  return {
    type: 'remove',
    pod: c.pod,
    podUid: c.podUid,
    container: c.container,
    id: c.actual.id,
    graceSeconds: c.gracePeriodSeconds,
    isRunning: c.actual.state === 'running' || c.actual.state === 'paused' || c.actual.state === 'restarting',
    isDetached,
    reason,
  };
}

function planContainer(pod: DesiredPod, spec: ContainerSpec, instances: readonly PodContainer[], context: PlanContext): Action[] {
  const hash = specHash(spec);
  const base = { pod: pod.name, podUid: pod.uid, container: spec.name };
  const { current, superseded } = currentInstance(instances, hash);
  const actions: Action[] = superseded.map((c) => removeAction(c, `superseded by restart ${current?.restartCount ?? 0} of container ${spec.name}`));
  const failure = context.failures.get(failureKey(pod.uid, spec.name, hash));
  const retryAt = failure ? failure.at + context.retryIntervalMs : 0;

  if (current === undefined) {
    // A first start, or a replacement after a spec change: the count goes on.
    const restartCount = instances.length === 0 ? 0 : Math.max(...instances.map((c) => c.restartCount)) + 1;
    if (failure && retryAt > context.now) return [...actions, { type: 'wait', ...base, until: retryAt, reason: `${failure.reason}: ${failure.message}` }];
    return [...actions, ...runActions(pod, spec, hash, { restartCount }, context, `container ${spec.name} of pod ${pod.name} does not exist`)];
  }

  const a = current.actual;
  switch (a.state) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'removing':
      return actions;
    case 'created':
      if (failure && retryAt > context.now) return [...actions, { type: 'wait', ...base, until: retryAt, reason: `${failure.reason}: ${failure.message}` }];
      return [...actions, { type: 'start', ...base, id: a.id, specHash: hash, reason: `container ${spec.name} is created but not running` }];
    case 'exited':
    case 'dead': {
      const exitCode = a.exitCode ?? 0;
      const decision = decideRestart(
        pod.spec.restartPolicy,
        { exitCode, startedAt: Date.parse(a.startedAt ?? ''), finishedAt: Date.parse(a.finishedAt ?? ''), restartCount: current.restartCount },
        context.retryIntervalMs,
      );
      if (!decision.restart) return actions;
      const at = Math.max(decision.at, retryAt);
      if (at > context.now) return [...actions, { type: 'wait', ...base, until: at, reason: `back-off: ${decision.reason}` }];
      const lastState = terminatedState({ exitCode, ...(a.oomKilled ? { oomKilled: true } : {}), ...(a.startedAt ? { startedAt: a.startedAt } : {}), ...(a.finishedAt ? { finishedAt: a.finishedAt } : {}) });
      return [
        ...actions,
        ...runActions(pod, spec, hash, { restartCount: current.restartCount + 1, lastState }, context, `restarting: ${decision.reason}`),
        // Removed only once its replacement exists, so the restart count is never lost.
        removeAction(current, `replaced by restart ${current.restartCount + 1}`),
      ];
    }
  }
}

/** Pulls as imagePullPolicy says, then creates and starts. */
function runActions(
  pod: DesiredPod,
  spec: ContainerSpec,
  hash: string,
  instance: Parameters<typeof createSpec>[3],
  context: PlanContext,
  reason: string,
): Action[] {
  const base = { pod: pod.name, podUid: pod.uid, container: spec.name, specHash: hash };
  const isPresent = context.images.has(spec.image);
  const create: Action = { type: 'create', ...base, spec: createSpec(context.node, pod, spec, instance), reason };
  switch (spec.imagePullPolicy) {
    case 'Never':
      // Reported as ErrImageNeverPull by the pod status; the image may appear later.
      return isPresent ? [create] : [];
    case 'IfNotPresent':
      return isPresent ? [create] : [{ type: 'pull', ...base, image: spec.image, reason: `image ${spec.image} is not present` }, create];
    case 'Always':
      return [{ type: 'pull', ...base, image: spec.image, reason: 'imagePullPolicy is Always' }, create];
  }
}
