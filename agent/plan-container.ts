import type { ContainerSpec } from '../protocol/manifest.js';
import type { DesiredPod } from '../protocol/messages.js';
import { currentInstance, specHash, type PodContainer } from './container-labels.js';
import { createSpec, type ContainerInstance } from './container-spec.js';
import { failureKey, removeAction, type Action, type PlanContext } from './actions.js';
import { decideRestart, formatBackoff, terminatedState } from './restart-policy.js';

/**
 * The actions for one container of a pod: create it, start it, restart it by policy
 * with back-off, stop it when a probe says so. `instances` are every engine container
 * for it (old specs and sandboxes included); `sandbox` is the pod's running sandbox.
 */
export function planContainer(
  pod: DesiredPod,
  spec: ContainerSpec,
  instances: readonly PodContainer[],
  sandbox: PodContainer | undefined,
  context: PlanContext,
): Action[] {
  const hash = specHash(spec, pod.spec);
  const base = { pod: pod.name, podUid: pod.uid, container: spec.name };
  const { current, superseded } = currentInstance(instances, hash, sandbox?.actual.id);
  const actions: Action[] = [];
  for (const c of instances) {
    if (c === current) continue;
    const reason =
      superseded.includes(c) ? `superseded by restart ${current?.restartCount ?? 0} of container ${spec.name}`
      : c.specHash !== hash ? `the spec of container ${spec.name} changed`
      : 'the pod sandbox changed';
    actions.push(removeAction(c, reason));
  }
  const failure = context.failures.get(failureKey(pod.uid, spec.name, hash));
  const retryAt = failure?.retryAt ?? 0;
  const waitForFailure = (): Action => ({ type: 'wait', ...base, until: retryAt, reason: `${failure?.reason}: ${failure?.message}` });
  const sandboxRef = sandbox ? { id: sandbox.actual.id, ...(sandbox.actual.ip ? { ip: sandbox.actual.ip } : {}) } : undefined;
  const run = (instance: ContainerInstance, reason: string): Action[] => runActions(pod, spec, hash, instance, sandboxRef, context, reason);

  if (current === undefined) {
    // A first start, or a replacement after a spec or sandbox change: the count goes on.
    const restartCount = instances.length === 0 ? 0 : Math.max(...instances.map((c) => c.restartCount)) + 1;
    if (failure && retryAt > context.now) return [...actions, waitForFailure()];
    return [...actions, ...run({ restartCount }, `container ${spec.name} of pod ${pod.name} does not exist`)];
  }

  const a = current.actual;
  switch (a.state) {
    case 'running':
    case 'paused':
    case 'restarting': {
      const failed = context.probes.view(a.id)?.failed;
      if (failed === undefined) return actions;
      const message = `Container ${spec.name} failed ${failed.probe} probe, will be restarted`;
      return [...actions, { type: 'kill', ...base, id: a.id, graceSeconds: pod.spec.terminationGracePeriodSeconds, message, reason: `${failed.probe} probe failed: ${failed.message}` }];
    }
    case 'removing':
      return actions;
    case 'created':
      if (failure && retryAt > context.now) return [...actions, waitForFailure()];
      return [...actions, { type: 'start', ...base, id: a.id, specHash: hash, reason: `container ${spec.name} is created but not running` }];
    case 'exited':
    case 'dead': {
      const exitCode = a.exitCode ?? 0;
      const decision = decideRestart(
        pod.spec.restartPolicy,
        { exitCode, startedAt: Date.parse(a.startedAt ?? ''), finishedAt: Date.parse(a.finishedAt ?? ''), ...(current.backoffMs !== undefined ? { backoffMs: current.backoffMs } : {}) },
        context.backoff,
      );
      if (!decision.restart) return actions;
      const at = Math.max(decision.at, retryAt);
      if (at > context.now) {
        const backOff = { key: a.id, message: `Back-off restarting failed container ${spec.name} in pod ${pod.name}` };
        return [...actions, { type: 'wait', ...base, until: at, backOff, reason: `back-off ${formatBackoff(decision.delayMs)} restarting failed container: ${decision.reason}` }];
      }
      const lastState = terminatedState({ exitCode, ...(a.oomKilled ? { oomKilled: true } : {}), ...(a.startedAt ? { startedAt: a.startedAt } : {}), ...(a.finishedAt ? { finishedAt: a.finishedAt } : {}) });
      const restart = run({ restartCount: current.restartCount + 1, lastState, backoffMs: decision.nextBackoffMs }, `restarting: ${decision.reason}`);
      // Removed only once its replacement is created (not while its image is still being
      // pulled), so the restart count and the last run are never lost.
      const replaces = restart.some((r) => r.type === 'create');
      return [...actions, ...restart, ...(replaces ? [removeAction(current, `replaced by restart ${current.restartCount + 1}`)] : [])];
    }
  }
}

/** The key under which one creation attempt of a container asks for its image. */
export function pullRequesterKey(podUid: string, container: string, hash: string, restartCount: number): string {
  return `${podUid}/${container}/${hash}/${restartCount}`;
}

/** The image as imagePullPolicy says (pulled in the background), then create and start. */
function runActions(
  pod: DesiredPod,
  spec: ContainerSpec,
  hash: string,
  instance: ContainerInstance,
  sandbox: { id: string; ip?: string } | undefined,
  context: PlanContext,
  reason: string,
): Action[] {
  const base = { pod: pod.name, podUid: pod.uid, container: spec.name };
  const requesterKey = pullRequesterKey(pod.uid, spec.name, hash, instance.restartCount);
  const planned = createSpec({ node: context.node, ...(context.hostIP ? { hostIP: context.hostIP } : {}), ...(sandbox ? { sandbox } : {}) }, pod, spec, instance);
  const create: Action = { type: 'create', ...base, planned, specHash: hash, requesterKey, reason };
  const isPresent = context.images.has(spec.image);
  switch (spec.imagePullPolicy) {
    case 'Never':
      // Reported as ErrImageNeverPull by the pod status; the image may appear later.
      return isPresent ? [create] : [];
    case 'IfNotPresent':
      return isPresent ? [create] : pullActions(spec.image, requesterKey, base, context, `image ${spec.image} is not present`);
    case 'Always':
      return context.pulls.isSatisfied(requesterKey) ? [create] : pullActions(spec.image, requesterKey, base, context, 'imagePullPolicy is Always');
  }
}

/** How long ErrImagePull shows after a failed pull before the status says ImagePullBackOff. */
export const ERR_IMAGE_PULL_SHOWN_MS = 1000;

function pullActions(image: string, requesterKey: string, base: { pod: string; podUid: string; container: string }, context: PlanContext, reason: string): Action[] {
  const failure = context.pulls.view(image)?.failure;
  if (failure === undefined || failure.retryAt <= context.now) return [{ type: 'pull', ...base, image, requesterKey, reason }];
  const backOff = { key: `${requesterKey}@${failure.at}`, message: `Back-off pulling image "${image}"` };
  const waits: Action[] = [{ type: 'wait', ...base, until: failure.retryAt, backOff, reason: `back-off pulling image ${image}: ${failure.message}` }];
  // Wake once more when the status turns from ErrImagePull to ImagePullBackOff.
  const flip = failure.at + ERR_IMAGE_PULL_SHOWN_MS;
  if (flip > context.now) waits.push({ type: 'wait', ...base, until: flip, reason: 'ErrImagePull shown' });
  return waits;
}
