import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from '../protocol/messages.js';
import { readLabels, specHash, type PodContainer } from './container-labels.js';
import { createSpec } from './container-spec.js';
import { failureKey } from './plan.js';
import { derivePodStatus, podPhase, type PodStatusContext } from './pod-status.js';
import type { ActualContainer } from './runtime/runtime.js';
import { containerOf, IMAGE, instance, NODE, pod, T0 } from './testing/fixtures.js';

const context: PodStatusContext = { now: T0, hostIP: '192.168.1.20', images: new Set([IMAGE]), failures: new Map(), retryIntervalMs: 10_000, runtimeScheme: 'docker' };

function read(...actual: ActualContainer[]): PodContainer[] {
  return actual.map(readLabels).filter((c): c is PodContainer => c !== undefined);
}

const running: ContainerStatus['state'] = { running: { startedAt: 't' } };
const waiting: ContainerStatus['state'] = { waiting: { reason: 'ContainerCreating' } };
const exited = (exitCode: number): ContainerStatus['state'] => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } });
const status = (state: ContainerStatus['state'], lastState?: ContainerStatus['state']): ContainerStatus => ({
  name: 'c', ready: false, restartCount: 0, image: IMAGE, state, ...(lastState ? { lastState } : {}),
});

describe('podPhase (kubelet rules)', () => {
  it.each([
    ['Always', [status(waiting)], 'Pending'],
    ['Always', [status(running), status(waiting)], 'Pending'],
    ['Always', [status(running), status(running)], 'Running'],
    ['Always', [status(running), status(exited(0))], 'Running'],
    ['Always', [status(exited(0))], 'Running'],
    ['Always', [status({ waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], 'Running'],
    ['OnFailure', [status(exited(0)), status(exited(0))], 'Succeeded'],
    ['OnFailure', [status(exited(0)), status({ waiting: { reason: 'CrashLoopBackOff' } }, exited(2))], 'Running'],
    ['Never', [status(exited(0))], 'Succeeded'],
    ['Never', [status(exited(0)), status(exited(1))], 'Failed'],
    ['Never', [status(running), status(exited(1))], 'Running'],
    ['Never', [], 'Pending'],
  ] as const)('%s with %j is %s', (policy, statuses, phase) => {
    expect(podPhase(policy, statuses)).toBe(phase);
  });
});

describe('derivePodStatus', () => {
  const web = pod('web');

  it('a pod with no container yet is Pending, ContainerCreating, not Ready', () => {
    const s = derivePodStatus(web, [], context);
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses).toEqual([{ name: 'main', image: IMAGE, ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }]);
    expect(s.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['PodScheduled=True', 'Initialized=True', 'ContainersReady=False', 'Ready=False']);
    expect(s.conditions.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
    expect(s.hostIP).toBe('192.168.1.20');
    expect(s.podIP).toBeUndefined();
    expect(s.startTime).toBe(new Date(T0).toISOString());
  });

  it('a running container makes the pod Running and Ready, with Kubernetes ids', () => {
    const c = instance(web, 'main', { startedAt: T0 - 5000 });
    const s = derivePodStatus(web, read(c), context);
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses[0]).toEqual({
      name: 'main', image: IMAGE, imageID: 'sha256:1111', containerID: `docker://${c.id}`, restartCount: 0, ready: true, started: true,
      state: { running: { startedAt: new Date(T0 - 5000).toISOString() } },
    });
    expect(s.conditions.every((x) => x.status === 'True')).toBe(true);
    expect(s.podIP).toBe('172.17.0.9');
    expect(s.startTime).toBe(c.createdAt);
  });

  it('reports the failed pull as ErrImagePull with its message', () => {
    const failures = new Map([[failureKey(web.uid, 'main', specHash(containerOf(web))), { podUid: web.uid, step: 'pull' as const, reason: 'ErrImagePull', message: 'registry unreachable', at: T0 }]]);
    const s = derivePodStatus(web, [], { ...context, images: new Set(), failures });
    expect(s.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'registry unreachable' } });
    expect(s.phase).toBe('Pending');
  });

  it('reports an absent image under pull policy Never as ErrImageNeverPull', () => {
    const local = pod('web', { containers: [{ name: 'main', image: 'local/app:1', imagePullPolicy: 'Never' }] });
    const s = derivePodStatus(local, [], { ...context, images: new Set() });
    expect(s.containerStatuses[0]?.state.waiting?.reason).toBe('ErrImageNeverPull');
  });

  it('a created container is still ContainerCreating', () => {
    const s = derivePodStatus(web, read(instance(web, 'main', { state: 'created' })), context);
    expect(s.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
  });

  it('Never: a failed container is terminated and the pod Failed', () => {
    const job = pod('job', { restartPolicy: 'Never' });
    const s = derivePodStatus(job, read(instance(job, 'main', { state: 'exited', exitCode: 2, startedAt: T0 - 3000, finishedAt: T0 - 1000 })), context);
    expect(s.phase).toBe('Failed');
    expect(s.containerStatuses[0]?.state.terminated).toEqual({ exitCode: 2, reason: 'Error', startedAt: new Date(T0 - 3000).toISOString(), finishedAt: new Date(T0 - 1000).toISOString() });
    expect(s.conditions.find((c) => c.type === 'Ready')?.reason).toBe('PodCompleted');
  });

  it('OnFailure: a completed container makes the pod Succeeded', () => {
    const job = pod('job', { restartPolicy: 'OnFailure' });
    const s = derivePodStatus(job, read(instance(job, 'main', { state: 'exited', exitCode: 0 })), context);
    expect(s.phase).toBe('Succeeded');
    expect(s.containerStatuses[0]?.state.terminated?.reason).toBe('Completed');
  });

  it('Always: an exited container waits in CrashLoopBackOff with its run as lastState', () => {
    const s = derivePodStatus(web, read(instance(web, 'main', { state: 'exited', exitCode: 1, restartCount: 2 })), context);
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses[0]).toMatchObject({ restartCount: 2, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
  });

  it('a restarted container reports its count and the previous run from its labels', () => {
    const spec = containerOf(web);
    const lastState = { terminated: { exitCode: 137, reason: 'Error', finishedAt: 'x' } };
    const labels = createSpec({ node: NODE }, web, spec, { restartCount: 3, lastState }).spec.labels;
    const c = { ...instance(web), labels };
    const s = derivePodStatus(web, read(c), context);
    expect(s.containerStatuses[0]).toMatchObject({ restartCount: 3, lastState, state: { running: {} } });
  });

  it('a pod with one running and one waiting container is Pending', () => {
    const two = pod('app', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const s = derivePodStatus(two, read(instance(two, 'a')), context);
    expect(s.phase).toBe('Pending');
    expect(s.conditions.find((c) => c.type === 'Ready')?.message).toBe('containers with unready status: [b]');
  });

  it('ignores containers of another pod uid', () => {
    const other = pod('web', {}, 'uid-other');
    const s = derivePodStatus(web, read(instance(other)), context);
    expect(s.containerStatuses[0]?.state.waiting?.reason).toBe('ContainerCreating');
  });

  it('derives the same status after an agent restart, with no previous status to go by', () => {
    const c = instance(web, 'main', { startedAt: T0 - 5000 });
    const first = derivePodStatus(web, read(c), context);
    const restarted = derivePodStatus(web, read(c), { ...context, now: T0 + 3_600_000 });
    expect(restarted).toEqual(first);
    expect(first.conditions.find((x) => x.type === 'Ready')?.lastTransitionTime).toBe(new Date(T0 - 5000).toISOString());
    expect(first.conditions.find((x) => x.type === 'PodScheduled')?.lastTransitionTime).toBe(c.createdAt);
  });

  it('keeps startTime, and the time a condition turned False while it stays False', () => {
    const first = derivePodStatus(web, read(instance(web)), context);
    const later = derivePodStatus(web, read(instance(web)), { ...context, now: T0 + 60_000, previous: { ...first, startTime: 'earlier' } });
    expect(later.startTime).toBe('earlier');
    const stopped = derivePodStatus(web, [], { ...context, now: T0 + 60_000, previous: first });
    expect(stopped.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', lastTransitionTime: new Date(T0 + 60_000).toISOString() });
    expect(stopped.conditions.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe(first.startTime);
    const stillStopped = derivePodStatus(web, [], { ...context, now: T0 + 120_000, previous: stopped });
    expect(stillStopped).toEqual(stopped);
  });
});
