import type { ContainerSpec, RestartPolicy } from '../protocol/manifest.js';
import type { Condition, ContainerState, ContainerStatus, DesiredPod, PodPhase, PodStatus } from '../protocol/messages.js';
import { currentInstance, specHash, type PodContainer } from './container-labels.js';
import { failureKey, type StepFailure } from './plan.js';
import { decideRestart, terminatedState } from './restart-policy.js';

/**
 * A pod's status, derived as kubelet derives it, from the desired pod and the containers
 * the engine has. Pure: time and the previous status come in, so an unchanged pod
 * derives an identical status and is not republished.
 */

export interface PodStatusContext {
  /** Epoch ms. */
  readonly now: number;
  readonly hostIP?: string;
  readonly images: ReadonlySet<string>;
  readonly failures: ReadonlyMap<string, StepFailure>;
  readonly retryIntervalMs: number;
  /** Prefix of container IDs, as Kubernetes writes them: `docker://<id>`. */
  readonly runtimeScheme: string;
  /** The status last published for this pod (same uid), to keep transition times. */
  readonly previous?: PodStatus;
}

export function derivePodStatus(pod: DesiredPod, containers: readonly PodContainer[], context: PodStatusContext): PodStatus {
  const mine = containers.filter((c) => c.podUid === pod.uid);
  const containerStatuses = pod.spec.containers.map((spec) =>
    containerStatus(pod, spec, mine.filter((c) => c.container === spec.name), context),
  );
  const phase = podPhase(pod.spec.restartPolicy, containerStatuses);
  const unready = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const isTerminal = phase === 'Succeeded' || phase === 'Failed';
  const earliest = mine.map((c) => c.actual.createdAt).sort()[0];
  const startTime = context.previous?.startTime ?? earliest ?? new Date(context.now).toISOString();
  // Ready since the last container started running: read off the engine, so an agent
  // that restarts derives the very same time and republishes nothing.
  const readySince = containerStatuses.map((s) => s.state.running?.startedAt ?? '').sort().at(-1) || startTime;
  const readyCondition = (type: string): Condition =>
    unready.length === 0
      ? { type, status: 'True', lastTransitionTime: readySince }
      : withTransitionTime({ type, status: 'False', reason: isTerminal ? 'PodCompleted' : 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }, context);
  const conditions: Condition[] = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: startTime },
    { type: 'Initialized', status: 'True', lastTransitionTime: startTime },
    readyCondition('ContainersReady'),
    readyCondition('Ready'),
  ];
  const podIP = mine.find((c) => c.actual.state === 'running' && c.actual.ip)?.actual.ip;
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
function withTransitionTime(condition: Omit<Condition, 'lastTransitionTime'>, context: PodStatusContext): Condition {
  const before = context.previous?.conditions.find((c) => c.type === condition.type);
  const lastTransitionTime = before?.status === condition.status && before.lastTransitionTime ? before.lastTransitionTime : new Date(context.now).toISOString();
  return { ...condition, lastTransitionTime };
}

function containerStatus(pod: DesiredPod, spec: ContainerSpec, instances: readonly PodContainer[], context: PodStatusContext): ContainerStatus {
  const hash = specHash(spec);
  const { current } = currentInstance(instances, hash);
  const failure = context.failures.get(failureKey(pod.uid, spec.name, hash));
  const base = { name: spec.name, image: spec.image };

  if (current === undefined) {
    const previousCount = instances.length === 0 ? 0 : Math.max(...instances.map((c) => c.restartCount));
    return { ...base, ready: false, started: false, restartCount: previousCount, state: { waiting: waitingBeforeCreate(spec, failure, context) } };
  }
  const a = current.actual;
  const ids = { imageID: a.imageId, containerID: `${context.runtimeScheme}://${a.id}` };
  const lastState = current.lastState ? { lastState: current.lastState } : {};
  const common = { ...base, ...ids, restartCount: current.restartCount };
  switch (a.state) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'removing':
      return { ...common, ready: true, started: true, state: { running: { startedAt: a.startedAt ?? a.createdAt } }, ...lastState };
    case 'created': {
      const waiting = failure?.step === 'start' ? { reason: failure.reason, message: failure.message } : { reason: 'ContainerCreating' };
      return { ...common, ready: false, started: false, state: { waiting }, ...lastState };
    }
    case 'exited':
    case 'dead': {
      const exitCode = a.exitCode ?? 0;
      const terminated = terminatedState({
        exitCode,
        ...(a.oomKilled ? { oomKilled: true } : {}),
        ...(a.startedAt ? { startedAt: a.startedAt } : {}),
        ...(a.finishedAt ? { finishedAt: a.finishedAt } : {}),
      });
      const decision = decideRestart(pod.spec.restartPolicy, { exitCode, restartCount: current.restartCount }, context.retryIntervalMs);
      if (!decision.restart) return { ...common, ready: false, started: false, state: terminated, ...lastState };
      // Exited and about to run again: Kubernetes shows the wait and the run that ended.
      const waiting = failure ? { reason: failure.reason, message: failure.message } : { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${spec.name} in pod ${pod.name}` };
      return { ...common, ready: false, started: false, state: { waiting }, lastState: terminated };
    }
  }
}

function waitingBeforeCreate(spec: ContainerSpec, failure: StepFailure | undefined, context: PodStatusContext): NonNullable<ContainerState['waiting']> {
  if (failure) return { reason: failure.reason, message: failure.message };
  if (spec.imagePullPolicy === 'Never' && !context.images.has(spec.image)) {
    return { reason: 'ErrImageNeverPull', message: `Container image "${spec.image}" is not present with pull policy of Never` };
  }
  return { reason: 'ContainerCreating' };
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
