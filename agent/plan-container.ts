import type { ContainerSpec } from '../protocol/manifest.js';
import type { DesiredPod } from '../protocol/messages.js';
import { failureKey, removeAction, type Action, type PlanContext, type StepFailure } from './actions.js';
import type { PodContainer } from './container-labels.js';
import { endOf, type ContainerSituation } from './container-situation.js';
import { createSpec, type ContainerInstance } from './container-spec.js';
import { formatBackoff } from './restart-policy.js';
import { restartDueAt } from './restart-timing.js';

/**
 * The actions for one container of a pod: create it, start it, restart it by policy
 * with back-off, stop it when a probe says so. `situation` says which engine container
 * counts (see container-situation.ts); `sandbox` is the pod's running sandbox.
 */
export function planContainer(pod: DesiredPod, spec: ContainerSpec, situation: ContainerSituation, sandbox: PodContainer | undefined, context: PlanContext): Action[] {
  const { hash, current, previous } = situation;
  const base = { pod: pod.name, podUid: pod.uid, container: spec.name };
  const removals = situation.stale.map((c) => removeAction(c, staleReason(c, hash, current)));
  const failure = context.failures.get(failureKey(pod.uid, spec.name, hash));
  const retryAt = failure?.retryAt ?? 0;
  const waitForFailure = (f: StepFailure): Action => ({ type: 'wait', ...base, until: f.retryAt, reason: `${f.reason}: ${f.message}` });
  const sandboxRef = sandbox ? { id: sandbox.actual.id, ...(sandbox.actual.ip ? { ip: sandbox.actual.ip } : {}) } : undefined;
  /**
   * The new instance's actions. What it replaces goes only in a pass that creates it (not
   * while its image is pulled), so counts and last runs are never lost: running ones
   * (`before`) are stopped first, freeing their ports; an exited one (`after`) is removed
   * once its successor exists.
   */
  const replace = (instance: ContainerInstance, reason: string, before: readonly Action[], after: readonly Action[] = []): Action[] => {
    const run = runActions(pod, spec, hash, instance, sandboxRef, context, reason);
    return run.some((a) => a.type === 'create') ? [...before, ...run, ...after] : run;
  };

  if (current === undefined) {
    if (failure && retryAt > context.mono) return [waitForFailure(failure)];
    // A first start, or a replacement after a spec or sandbox change: the count goes on,
    // and so does the back-off when only the sandbox changed.
    const lastState = endOf(previous);
    const backoffMs = previous?.specHash === hash ? previous.backoffMs : undefined;
    const instance = { restartCount: situation.nextCount, ...(lastState ? { lastState } : {}), ...(backoffMs !== undefined ? { backoffMs } : {}) };
    const isStopping = (r: Action): boolean => r.type === 'remove' && r.isRunning;
    return replace(instance, `container ${spec.name} of pod ${pod.name} does not exist`, removals.filter(isStopping), removals.filter((r) => !isStopping(r)));
  }

  const a = current.actual;
  switch (a.state) {
    case 'running':
    case 'paused':
    case 'restarting': {
      if (current.sandboxId !== undefined && current.sandboxId !== sandbox?.actual.id) {
        // Only a container that will never run again stays current outside its sandbox.
        return [...removals, { type: 'kill', ...base, id: a.id, graceSeconds: pod.spec.terminationGracePeriodSeconds, message: `Stopping container ${spec.name}`, reason: 'its pod sandbox is gone and restartPolicy is Never' }];
      }
      const failed = context.probes.view(a.id)?.failed;
      if (failed === undefined) return removals;
      const message = `Container ${spec.name} failed ${failed.probe} probe, will be restarted`;
      return [...removals, { type: 'kill', ...base, id: a.id, graceSeconds: pod.spec.terminationGracePeriodSeconds, message, reason: `${failed.probe} probe failed: ${failed.message}` }];
    }
    case 'removing':
      return removals;
    case 'created':
      if (failure && retryAt > context.mono) return [...removals, waitForFailure(failure)];
      return [...removals, { type: 'start', ...base, id: a.id, specHash: hash, reason: `container ${spec.name} is created but not running` }];
    case 'exited':
    case 'dead': {
      const decision = situation.restart;
      if (decision === undefined || !decision.restart) return removals;
      const at = Math.max(restartDueAt(a, decision, context), retryAt);
      if (at > context.mono) {
        const announce = { key: a.id, reason: 'BackOff', message: `Back-off restarting failed container ${spec.name} in pod ${pod.name}` };
        return [...removals, { type: 'wait', ...base, until: at, announce, reason: `back-off ${formatBackoff(decision.delayMs)} restarting failed container: ${decision.reason}` }];
      }
      const lastState = endOf(current);
      const instance = { restartCount: current.restartCount + 1, ...(lastState ? { lastState } : {}), backoffMs: decision.nextBackoffMs };
      return replace(instance, `restarting: ${decision.reason}`, removals, [removeAction(current, `replaced by restart ${current.restartCount + 1}`)]);
    }
  }
}

function staleReason(c: PodContainer, hash: string, current: PodContainer | undefined): string {
  if (c.specHash !== hash) return `the spec of container ${c.container} changed`;
  if (current !== undefined && c.sandboxId === current.sandboxId) return `superseded by restart ${current.restartCount} of container ${c.container}`;
  return 'the pod sandbox changed';
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
  const isPulled = context.pulls.isSatisfied(requesterKey);
  const create: Action = { type: 'create', ...base, planned, specHash: hash, requesterKey, isImagePresent: !isPulled, reason };
  const isPresent = context.images.has(spec.image);
  switch (spec.imagePullPolicy) {
    case 'Never': {
      if (isPresent) return [create];
      // The image may appear later (a resync or an engine event looks again).
      const message = `Container image "${spec.image}" is not present with pull policy of Never`;
      return [{ type: 'wait', ...base, until: Infinity, announce: { key: requesterKey, reason: 'ErrImageNeverPull', message }, reason: message }];
    }
    case 'IfNotPresent':
      return isPresent ? [create] : pullActions(spec.image, requesterKey, base, context, `image ${spec.image} is not present`);
    case 'Always': {
      if (isPulled) return [create];
      // The edge keeps going alone: when the registry cannot be reached (the Pi is
      // offline) a restart uses the image already on the node rather than leave the
      // container down until the network is back. Kubernetes would wait in
      // ImagePullBackOff; the failed pull is still reported, and retried next start.
      const failure = context.pulls.view(spec.image)?.failure;
      if (failure !== undefined && isPresent) {
        return [{ ...create, isImagePresent: true, reason: `${reason}; pulling ${spec.image} failed (${failure.message}): using the image already on the node` }];
      }
      return pullActions(spec.image, requesterKey, base, context, 'imagePullPolicy is Always');
    }
  }
}

/** How long ErrImagePull shows after a failed pull before the status says ImagePullBackOff. */
export const ERR_IMAGE_PULL_SHOWN_MS = 1000;

function pullActions(image: string, requesterKey: string, base: { pod: string; podUid: string; container: string }, context: PlanContext, reason: string): Action[] {
  const failure = context.pulls.view(image)?.failure;
  if (failure === undefined || failure.retryAt <= context.mono) return [{ type: 'pull', ...base, image, requesterKey, reason }];
  const announce = { key: `${requesterKey}@${failure.at}`, reason: 'BackOff', message: `Back-off pulling image "${image}"` };
  const waits: Action[] = [{ type: 'wait', ...base, until: failure.retryAt, announce, reason: `back-off pulling image ${image}: ${failure.message}` }];
  // Wake once more when the status turns from ErrImagePull to ImagePullBackOff.
  const flip = failure.at + ERR_IMAGE_PULL_SHOWN_MS;
  if (flip > context.mono) waits.push({ type: 'wait', ...base, until: flip, reason: 'ErrImagePull shown' });
  return waits;
}
