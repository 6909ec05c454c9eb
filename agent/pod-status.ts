import type { ContainerSpec, RestartPolicy } from '../protocol/manifest.js';
import type { Condition, ContainerState, ContainerStatus, DesiredPod, PodPhase, PodStatus } from '../protocol/messages.js';
import { failureKey, type PlanContext } from './actions.js';
import { admit } from './admission.js';
import type { PodContainer } from './container-labels.js';
import { endOf, situate, type ContainerSituation } from './container-situation.js';
import { needsSandbox } from './container-spec.js';
import { ERR_IMAGE_PULL_SHOWN_MS, pullRequesterKey } from './plan-container.js';
import { currentSandbox } from './plan.js';
import { formatBackoff } from './restart-policy.js';
import { restartDueAt } from './restart-timing.js';
import type { PullProgress } from './runtime/runtime.js';

/**
 * A pod's status, derived as kubelet derives it, from the desired pod, the containers
 * the engine has, the probe results and the pulls under way. Pure: time and the
 * previous status come in, so an unchanged pod derives an identical status and is not
 * republished.
 */

export interface PodStatusContext extends Omit<PlanContext, 'node' | 'sandboxImage'> {
  readonly node: string;
  /** Prefix of container IDs, as Kubernetes writes them: `docker://<id>`. */
  readonly runtimeScheme: string;
  /** The status last published for this pod (same uid), to keep transition times. */
  readonly previous?: PodStatus;
}

export function derivePodStatus(pod: DesiredPod, containers: readonly PodContainer[], context: PodStatusContext): PodStatus {
  const mine = containers.filter((c) => c.podUid === pod.uid);
  const earliest = mine.map((c) => c.actual.createdAt).sort()[0];
  const startTime = context.previous?.startTime ?? earliest ?? new Date(context.now).toISOString();
  const admission = admit(context.node, pod.spec, context.policy);
  if (!admission.admitted) {
    return { phase: 'Failed', reason: admission.reason, message: admission.message, conditions: [], containerStatuses: [], ...(context.hostIP !== undefined ? { hostIP: context.hostIP } : {}), startTime };
  }
  const hasSandbox = needsSandbox(pod.spec);
  const sandbox = hasSandbox ? currentSandbox(pod, mine) : undefined;
  const apps = mine.filter((c) => !c.isSandbox);
  const sandboxId = hasSandbox ? (sandbox?.actual.id ?? null) : undefined;
  const containerStatuses = pod.spec.containers.map((spec) =>
    containerStatus(pod, spec, situate(pod, spec, apps.filter((c) => c.container === spec.name), sandboxId, context.backoff), context),
  );
  const phase = podPhase(pod.spec.restartPolicy, containerStatuses);
  const unready = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const isTerminal = phase === 'Succeeded' || phase === 'Failed';
  // Ready since the last container started running: read off the engine, so an agent
  // that restarts derives the very same time and republishes nothing.
  const readySince = containerStatuses.map((s) => s.state.running?.startedAt ?? '').sort().at(-1) || startTime;
  const readyCondition = (type: string): Condition =>
    unready.length === 0
      ? withTransitionTime({ type, status: 'True' }, context, readySince)
      : withTransitionTime({ type, status: 'False', reason: isTerminal ? 'PodCompleted' : 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }, context);
  const conditions: Condition[] = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: startTime },
    { type: 'Initialized', status: 'True', lastTransitionTime: startTime },
    readyCondition('ContainersReady'),
    readyCondition('Ready'),
  ];
  const podIP =
    pod.spec.hostNetwork === true ? context.hostIP
    : hasSandbox ? sandbox?.actual.ip
    : apps.find((c) => c.actual.state === 'running' && c.actual.ip)?.actual.ip;
  return {
    phase,
    conditions,
    containerStatuses,
    ...(context.hostIP !== undefined ? { hostIP: context.hostIP } : {}),
    ...(podIP !== undefined ? { podIP } : {}),
    startTime,
  };
}

/** Keeps a False condition's lastTransitionTime while it stays False; else the transition is now. */
function withTransitionTime(condition: Omit<Condition, 'lastTransitionTime'>, context: PodStatusContext, at = new Date(context.now).toISOString()): Condition {
  const before = context.previous?.conditions.find((c) => c.type === condition.type);
  // Kept while the status stays; a change seen now happened now; with nothing to go by
  // (a first status, or an agent that restarted without one) `at` is derived from the engine.
  const lastTransitionTime = before?.status === condition.status && before.lastTransitionTime ? before.lastTransitionTime : before ? new Date(context.now).toISOString() : at;
  return { ...condition, lastTransitionTime };
}

function containerStatus(pod: DesiredPod, spec: ContainerSpec, situation: ContainerSituation, context: PodStatusContext): ContainerStatus {
  const { hash, current, previous } = situation;
  const failure = context.failures.get(failureKey(pod.uid, spec.name, hash));
  const base = { name: spec.name, image: spec.image };

  if (current === undefined) {
    const waiting = waitingBeforeCreate(pod, spec, hash, situation.nextCount, failure, context);
    const lastState = endOf(previous);
    return { ...base, ready: false, started: false, restartCount: previous?.restartCount ?? 0, state: { waiting }, ...(lastState ? { lastState } : {}) };
  }
  const a = current.actual;
  const ids = { imageID: a.imageId, containerID: `${context.runtimeScheme}://${a.id}` };
  const lastState = current.lastState ? { lastState: current.lastState } : {};
  const common = { ...base, ...ids, restartCount: current.restartCount };
  switch (a.state) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'removing': {
      const hasGates = spec.readinessProbe !== undefined || spec.startupProbe !== undefined;
      const probes = context.probes.view(a.id);
      const started = hasGates ? (probes?.started ?? false) : true;
      const ready = hasGates ? (probes?.ready ?? false) && started : true;
      return { ...common, ready, started, state: { running: { startedAt: a.startedAt ?? a.createdAt } }, ...lastState };
    }
    case 'created': {
      const waiting = failure?.step === 'start' ? { reason: failure.reason, message: failure.message } : { reason: 'ContainerCreating' };
      return { ...common, ready: false, started: false, state: { waiting }, ...lastState };
    }
    case 'exited':
    case 'dead': {
      const terminated = endOf(current) ?? { terminated: { exitCode: a.exitCode ?? 0, reason: 'Error' } };
      const decision = situation.restart;
      if (decision === undefined || !decision.restart) return { ...common, ready: false, started: false, state: terminated, ...lastState };
      // Exited and about to run again: Kubernetes shows the wait and the run that ended.
      const waiting =
        failure ? { reason: failure.reason, message: failure.message }
        : restartDueAt(a, decision, context) > context.mono ? { reason: 'CrashLoopBackOff', message: `back-off ${formatBackoff(decision.delayMs)} restarting failed container=${spec.name} pod=${pod.name}_default(${pod.uid})` }
        : waitingBeforeCreate(pod, spec, hash, current.restartCount + 1, undefined, context);
      // Restarted at once with nothing to wait for: the run that ended is what there is to see.
      if (waiting.reason === 'ContainerCreating' && waiting.message === undefined) return { ...common, ready: false, started: false, state: terminated, ...lastState };
      return { ...common, ready: false, started: false, state: { waiting }, lastState: terminated };
    }
  }
}

function waitingBeforeCreate(
  pod: DesiredPod,
  spec: ContainerSpec,
  hash: string,
  restartCount: number,
  failure: { reason: string; message: string } | undefined,
  context: PodStatusContext,
): NonNullable<ContainerState['waiting']> {
  if (failure) return { reason: failure.reason, message: failure.message };
  const isPresent = context.images.has(spec.image);
  if (spec.imagePullPolicy === 'Never' && !isPresent) {
    return { reason: 'ErrImageNeverPull', message: `Container image "${spec.image}" is not present with pull policy of Never` };
  }
  const needsPull = spec.imagePullPolicy === 'Always' ? !context.pulls.isSatisfied(pullRequesterKey(pod.uid, spec.name, hash, restartCount)) : !isPresent;
  const pull = needsPull ? context.pulls.view(spec.image) : undefined;
  if (pull?.inFlight) return { reason: 'ContainerCreating', message: `Pulling image "${spec.image}"${progressText(pull.inFlight.progress)}` };
  if (pull?.failure && pull.failure.retryAt > context.mono) {
    return context.mono < pull.failure.at + ERR_IMAGE_PULL_SHOWN_MS
      ? { reason: 'ErrImagePull', message: pull.failure.message }
      : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${spec.image}": ${pull.failure.message}` };
  }
  return { reason: 'ContainerCreating' };
}

/** `: 12.3 MB of 45.6 MB, 2 of 5 layers`, or nothing before the first progress report. */
export function progressText(progress: PullProgress | undefined): string {
  if (progress === undefined || progress.layers === 0) return '';
  const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;
  const bytes = progress.totalBytes > 0 ? `${mb(progress.downloadedBytes)} of ${mb(progress.totalBytes)}, ` : '';
  return `: ${bytes}${progress.layersDone} of ${progress.layers} layers`;
}

/**
 * The pod phase from its containers' states, by kubelet's rules: Pending while any
 * container has not started, Running while one runs (or all are about to restart),
 * Succeeded or Failed once all have terminated for good.
 */
export function podPhase(restartPolicy: RestartPolicy, statuses: readonly ContainerStatus[]): PodPhase {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
