import type { DesiredPod, NodeDesired } from '../protocol/messages.js';
import { failureKey, removeAction, type Action, type PlanContext } from './actions.js';
import { admit } from './admission.js';
import { LABELS, readLabels, type PodContainer } from './container-labels.js';
import { needsSandbox, sandboxHash, sandboxSpec } from './container-spec.js';
import { planContainer } from './plan-container.js';
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
  const names = new Set(desired.pods.map((p) => p.name));
  const actions: Action[] = [];
  for (const c of ours) {
    const pod = pods.get(c.podUid);
    const reason = pod === undefined ? `pod ${c.pod} (uid ${c.podUid}) is no longer desired on this node` : pod.name !== c.pod ? `pod uid ${c.podUid} now names pod ${pod.name}, not ${c.pod}` : undefined;
    // No desired pod of that name follows it, so nothing needs to wait for it to stop.
    if (reason !== undefined) actions.push(removeAction(c, reason, !names.has(c.pod)));
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

function planPod(pod: DesiredPod, mine: readonly PodContainer[], context: PlanContext): Action[] {
  const admission = admit(context.node, pod.spec, context.policy);
  if (!admission.admitted) return mine.map((c) => removeAction(c, `pod rejected: ${admission.message}`));
  const sandboxes = mine.filter((c) => c.isSandbox);
  const apps = mine.filter((c) => !c.isSandbox);
  const actions: Action[] = [];
  let sandbox: PodContainer | undefined;
  if (needsSandbox(pod.spec)) {
    sandbox = currentSandbox(pod, mine);
    for (const s of sandboxes) if (s !== sandbox) actions.push(removeAction(s, s.specHash === sandboxHash(pod) ? 'the pod sandbox is not running' : 'the pod sandbox configuration changed'));
    if (sandbox === undefined) {
      // The containers wait for the next pass, when the sandbox (and its IP) exists; the
      // ones joined to an old sandbox stay until then, so their restart count carries on.
      return [...actions, ...sandboxActions(pod, context)];
    }
  } else {
    for (const s of sandboxes) actions.push(removeAction(s, 'the pod no longer needs a sandbox'));
  }
  const specNames = new Set(pod.spec.containers.map((s) => s.name));
  for (const c of apps) if (!specNames.has(c.container)) actions.push(removeAction(c, `container ${c.container} is no longer in the spec of pod ${pod.name}`));
  for (const spec of pod.spec.containers) {
    const instances = apps.filter((c) => c.container === spec.name);
    actions.push(...planContainer(pod, spec, instances, sandbox, context));
  }
  return actions;
}

function sandboxActions(pod: DesiredPod, context: PlanContext): Action[] {
  const hash = sandboxHash(pod);
  const base = { pod: pod.name, podUid: pod.uid, container: '' };
  const failure = context.failures.get(failureKey(pod.uid, '', hash));
  if (failure && failure.retryAt > context.now) return [{ type: 'wait', ...base, until: failure.retryAt, reason: `${failure.reason}: ${failure.message}` }];
  return [{ type: 'createSandbox', ...base, spec: sandboxSpec(context.node, pod, context.sandboxImage), specHash: hash, reason: `pod ${pod.name} has no running sandbox` }];
}

