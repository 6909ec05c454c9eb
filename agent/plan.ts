import type { DesiredPod, NodeDesired } from '../protocol/messages.js';
import { failureKey, removeAction, type Action, type PlanContext } from './actions.js';
import { admit } from './admission.js';
import { LABELS, readLabels, type PodContainer } from './container-labels.js';
import { isDone, isExited, situate, type ContainerSituation } from './container-situation.js';
import { needsSandbox, sandboxHash, sandboxSpec } from './container-spec.js';
import { planContainer } from './plan-container.js';
import { decideRestart, formatBackoff } from './restart-policy.js';
import { restartDueAt } from './restart-timing.js';
import type { ActualContainer, ActualVolume } from './runtime/runtime.js';

/**
 * The planner: a pure function from the desired state, what the engine has and the
 * context (time, probe results, pulls in flight) to the actions that bring the two
 * closer. Each action carries its reason. The executor performs them; the next pass
 * looks at the world again rather than trusting that they worked.
 */

/** The Baton containers of this node, with their labels read; everything else is left alone. */
export function ownContainers(actual: readonly ActualContainer[], node: string): PodContainer[] {
  return actual.map(readLabels).filter((c): c is PodContainer => c !== undefined && c.node === node);
}

/** The pod's running sandbox with the wanted configuration, if it has one. */
export function currentSandbox(pod: DesiredPod, ours: readonly PodContainer[]): PodContainer | undefined {
  const hash = sandboxHash(pod);
  return ours
    .filter((c) => c.isSandbox && c.podUid === pod.uid && c.specHash === hash && c.actual.state === 'running')
    .sort((a, b) => Date.parse(b.actual.createdAt) - Date.parse(a.actual.createdAt))[0];
}

export function plan(desired: NodeDesired | undefined, actual: readonly ActualContainer[], volumes: readonly ActualVolume[], context: PlanContext): Action[] {
  // Until the agent has a desired state, it knows nothing it could act on.
  if (desired === undefined) return [];
  const ours = ownContainers(actual, context.node);
  const pods = new Map(desired.pods.map((p) => [p.uid, p]));
  const actions: Action[] = [];
  for (const c of ours) {
    const reason = goneReason(c, pods.get(c.podUid));
    if (reason === undefined) continue;
    // A sandbox goes last, so the pod's containers keep their network while they stop.
    if (c.isSandbox && ours.some((o) => !o.isSandbox && o.podUid === c.podUid)) continue;
    actions.push(removeAction(c, reason));
  }
  for (const pod of desired.pods) {
    actions.push(...planPod(pod, ours.filter((c) => c.podUid === pod.uid && c.pod === pod.name), context));
  }
  const podsWithContainers = new Set(ours.map((c) => c.podUid));
  for (const v of volumes) {
    const uid = v.labels[LABELS.podUid];
    if (v.labels[LABELS.node] !== context.node || uid === undefined || pods.has(uid) || podsWithContainers.has(uid)) continue;
    const pod = v.labels[LABELS.pod] ?? '';
    actions.push({ type: 'removeVolume', pod, podUid: uid, container: '', name: v.name, reason: `pod ${pod} (uid ${uid}) is gone and none of its containers is left` });
  }
  return actions;
}

/** Why a container's pod is no longer here, or undefined while it is desired under that name. */
function goneReason(c: PodContainer, pod: DesiredPod | undefined): string | undefined {
  if (pod === undefined) return `pod ${c.pod} (uid ${c.podUid}) is no longer desired on this node`;
  if (pod.name !== c.pod) return `pod uid ${c.podUid} now names pod ${pod.name}, not ${c.pod}`;
  return undefined;
}

function planPod(pod: DesiredPod, mine: readonly PodContainer[], context: PlanContext): Action[] {
  const admission = admit(context.node, pod.spec, context.policy);
  if (!admission.admitted) return mine.map((c) => removeAction(c, `pod rejected: ${admission.message}`));
  const sandboxes = mine.filter((c) => c.isSandbox);
  const apps = mine.filter((c) => !c.isSandbox);
  const appsOf = (name: string): PodContainer[] => apps.filter((c) => c.container === name);
  const situations = (sandboxId: string | null | undefined): ContainerSituation[] =>
    pod.spec.containers.map((spec) => situate(pod, spec, appsOf(spec.name), sandboxId, context.backoff));
  if (!needsSandbox(pod.spec)) {
    return [...planContainers(pod, apps, situations(undefined), undefined, context), ...sandboxes.map((s) => removeAction(s, 'the pod no longer needs a sandbox'))];
  }
  const sandbox = currentSandbox(pod, mine);
  const others = sandboxes.filter((s) => s !== sandbox);
  const removeOthers = others.map((s) => removeAction(s, s.specHash === sandboxHash(pod) ? 'the pod sandbox is not running' : 'the pod sandbox configuration changed'));
  if (sandbox !== undefined) {
    const placed = situations(sandbox.actual.id);
    // A pod whose containers have all finished for good needs its sandbox no more.
    const finished = placed.every(isDone) ? [removeAction(sandbox, 'every container of the pod has finished')] : [];
    return [...planContainers(pod, apps, placed, sandbox, context), ...removeOthers, ...finished];
  }
  const unplaced = situations(null);
  // As kubelet: a pod that will not run its containers again (restartPolicy Never once
  // they ran, or all of them finished) gets no new sandbox; what still runs is stopped.
  const isOver = unplaced.every(isDone) || (pod.spec.restartPolicy === 'Never' && apps.length > 0);
  if (isOver) return [...planContainers(pod, apps, unplaced, undefined, context), ...removeOthers];
  // The containers wait for the next pass, when the sandbox (and its IP) exists; the
  // ones joined to an old sandbox stay until then, so their restart count carries on.
  const unstarted = unstartedSandbox(pod, sandboxes, context);
  if (unstarted !== undefined) {
    const start: Action = { type: 'start', pod: pod.name, podUid: pod.uid, container: '', id: unstarted.actual.id, specHash: unstarted.specHash, reason: 'the pod sandbox is created but not running' };
    return [...removeOthers.filter((a) => a.type !== 'remove' || a.id !== unstarted.actual.id), start];
  }
  return [...removeOthers, ...sandboxActions(pod, sandboxes, context)];
}

/**
 * The pod's sandbox that was created but never started (an agent killed between the two
 * steps): it is started, not made again, so nothing of the pod is lost or made twice.
 * Once starting it has failed, it is replaced as a dead one is, with the back-off.
 */
function unstartedSandbox(pod: DesiredPod, sandboxes: readonly PodContainer[], context: PlanContext): PodContainer | undefined {
  const hash = sandboxHash(pod);
  if (context.failures.has(failureKey(pod.uid, '', hash))) return undefined;
  return sandboxes
    .filter((s) => s.specHash === hash && s.actual.state === 'created')
    .sort((a, b) => Date.parse(b.actual.createdAt) - Date.parse(a.actual.createdAt))[0];
}

/** Each container's actions, and the removal of containers the spec no longer has. */
function planContainers(pod: DesiredPod, apps: readonly PodContainer[], situations: readonly ContainerSituation[], sandbox: PodContainer | undefined, context: PlanContext): Action[] {
  const specNames = new Set(pod.spec.containers.map((s) => s.name));
  const dropped = apps.filter((c) => !specNames.has(c.container)).map((c) => removeAction(c, `container ${c.container} is no longer in the spec of pod ${pod.name}`));
  const planned = pod.spec.containers.flatMap((spec, i) => {
    const situation = situations[i];
    return situation ? planContainer(pod, spec, situation, sandbox, context) : [];
  });
  return [...dropped, ...planned];
}

/**
 * Creates the pod's sandbox, backing off as for a crashing container when the last one
 * died young (a sandbox that keeps dying must not make the agent spin).
 */
function sandboxActions(pod: DesiredPod, sandboxes: readonly PodContainer[], context: PlanContext): Action[] {
  const hash = sandboxHash(pod);
  const base = { pod: pod.name, podUid: pod.uid, container: '' };
  const failure = context.failures.get(failureKey(pod.uid, '', hash));
  if (failure && failure.retryAt > context.mono) return [{ type: 'wait', ...base, until: failure.retryAt, reason: `${failure.reason}: ${failure.message}` }];
  const dead = sandboxes.filter((s) => s.specHash === hash && isExited(s)).sort((a, b) => Date.parse(b.actual.createdAt) - Date.parse(a.actual.createdAt))[0];
  const decision = dead
    ? decideRestart('Always', { exitCode: dead.actual.exitCode ?? 0, startedAt: Date.parse(dead.actual.startedAt ?? ''), finishedAt: Date.parse(dead.actual.finishedAt ?? ''), ...(dead.backoffMs !== undefined ? { backoffMs: dead.backoffMs } : {}) }, context.backoff)
    : undefined;
  if (dead !== undefined && decision?.restart) {
    const dueAt = restartDueAt(dead.actual, decision, context);
    if (dueAt > context.mono) return [{ type: 'wait', ...base, until: dueAt, reason: `back-off ${formatBackoff(decision.delayMs)} recreating the pod sandbox` }];
  }
  const spec = sandboxSpec(context.node, pod, context.sandboxImage, decision?.restart ? decision.nextBackoffMs : undefined);
  return [{ type: 'createSandbox', ...base, spec, specHash: hash, reason: dead ? 'the pod sandbox died' : `pod ${pod.name} has no running sandbox` }];
}

