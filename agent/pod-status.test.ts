import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from '../protocol/messages.js';
import type { ProbeView, PullView } from './actions.js';
import { readLabels, type PodContainer } from './container-labels.js';
import { createSpec } from './container-spec.js';
import { derivePodStatus, podPhase, progressText, type PodStatusContext } from './pod-status.js';
import type { ActualContainer } from './runtime/runtime.js';
import { containerOf, IMAGE, instance, NODE, planContext, pod, sandboxOf, T0 } from './testing/fixtures.js';

const context: PodStatusContext = { ...planContext(), runtimeScheme: 'docker' };

const withPulls = (views: Record<string, PullView>): PodStatusContext => ({ ...context, images: new Set(), pulls: { view: (i) => views[i], isSatisfied: () => false } });
const withProbes = (views: Record<string, ProbeView>): PodStatusContext => ({ ...context, probes: { view: (id) => views[id] } });

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

  it('reports a pull that just failed as ErrImagePull, then ImagePullBackOff until the retry', () => {
    const failed = withPulls({ [IMAGE]: { failure: { message: 'manifest unknown', at: T0 - 200, retryAt: T0 + 10_000, failures: 1 } } });
    const s = derivePodStatus(web, [], failed);
    expect(s.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } });
    expect(s.phase).toBe('Pending');
    const later = derivePodStatus(web, [], { ...failed, now: T0 + 2000, mono: T0 + 2000 });
    expect(later.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMAGE}": manifest unknown` } });
  });

  it('shows a pull under way with its progress', () => {
    const pulling = withPulls({ [IMAGE]: { inFlight: { startedAt: T0 - 1000, progress: { layers: 3, layersDone: 1, downloadedBytes: 1_500_000, totalBytes: 4_000_000 } } } });
    expect(derivePodStatus(web, [], pulling).containerStatuses[0]?.state).toEqual({
      waiting: { reason: 'ContainerCreating', message: `Pulling image "${IMAGE}": 1.5 MB of 4.0 MB, 1 of 3 layers` },
    });
    expect(progressText(undefined)).toBe('');
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
    const s = derivePodStatus(web, read(instance(web, 'main', { state: 'exited', exitCode: 1, restartCount: 2, backoffMs: 20_000 })), context);
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses[0]).toMatchObject({ restartCount: 2, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
    expect(s.containerStatuses[0]?.state.waiting?.message).toBe(`back-off 20s restarting failed container=main pod=web_default(${web.uid})`);
  });

  it('a first crash, restarted at once, shows the run that ended, not a back-off', () => {
    const s = derivePodStatus(web, read(instance(web, 'main', { state: 'exited', exitCode: 1 })), context);
    expect(s.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(s.phase).toBe('Running');
  });

  it('a restart waiting for its image says so, with the run that ended as lastState', () => {
    const always = pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] });
    const failed = { ...withPulls({ [IMAGE]: { failure: { message: 'manifest unknown', at: T0 - 5000, retryAt: T0 + 5000, failures: 1 } } }), images: new Set([IMAGE]) };
    const s = derivePodStatus(always, read(instance(always, 'main', { state: 'exited', exitCode: 1 })), failed);
    expect(s.containerStatuses[0]).toMatchObject({ state: { waiting: { reason: 'ImagePullBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
  });

  it('stays Running while a dead sandbox is replaced, the ended runs as lastState', () => {
    const duo = pod('duo', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const old = { id: 'old-sandbox' };
    const s = derivePodStatus(duo, read(instance(duo, 'a', { sandbox: old, state: 'exited', exitCode: 137 }), instance(duo, 'b', { sandbox: old, state: 'exited', exitCode: 137 })), context);
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses.map((c) => [c.state.waiting?.reason, c.lastState?.terminated?.exitCode])).toEqual([['ContainerCreating', 137], ['ContainerCreating', 137]]);
  });

  it('Never: a pod whose sandbox died after its containers finished is Succeeded', () => {
    const job = pod('duo', { restartPolicy: 'Never', containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const old = { id: 'old-sandbox' };
    const s = derivePodStatus(job, read(instance(job, 'a', { sandbox: old, state: 'exited', exitCode: 0 }), instance(job, 'b', { sandbox: old, state: 'exited', exitCode: 0 })), context);
    expect(s.phase).toBe('Succeeded');
  });

  it('an OOM-killed run is reported as OOMKilled', () => {
    const job = pod('job', { restartPolicy: 'Never' });
    const s = derivePodStatus(job, read(instance(job, 'main', { state: 'exited', exitCode: 137, oomKilled: true })), context);
    expect(s.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  describe('probes', () => {
    const probed = pod('web', { containers: [{ name: 'main', image: IMAGE, readinessProbe: { httpGet: { port: 80 } }, startupProbe: { tcpSocket: { port: 80 } } }] });
    const c = instance(probed, 'main', { id: 'p1' });

    it('a running container is not ready before its probes say so', () => {
      expect(derivePodStatus(probed, read(c), context).containerStatuses[0]).toMatchObject({ ready: false, started: false, state: { running: {} } });
    });

    it('started once the startup probe succeeded, ready once readiness does', () => {
      const started = derivePodStatus(probed, read(c), withProbes({ p1: { started: true, ready: false } }));
      expect(started.containerStatuses[0]).toMatchObject({ ready: false, started: true });
      expect(started.conditions.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
      const ready = derivePodStatus(probed, read(c), withProbes({ p1: { started: true, ready: true } }));
      expect(ready.containerStatuses[0]).toMatchObject({ ready: true, started: true });
      expect(ready.conditions.filter((x) => x.status === 'True').map((x) => x.type)).toEqual(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
    });

      it('Ready turns True at the moment the probe says so, not when the container started', () => {
      const before = derivePodStatus(probed, read(c), { ...withProbes({ p1: { started: true, ready: false } }), now: T0 });
      const after = derivePodStatus(probed, read(c), { ...withProbes({ p1: { started: true, ready: true } }), now: T0 + 30_000, previous: before });
      expect(after.conditions.find((x) => x.type === 'Ready')).toEqual({ type: 'Ready', status: 'True', lastTransitionTime: new Date(T0 + 30_000).toISOString() });
    });

    it('a container without readiness or startup probes is ready as soon as it runs', () => {
      const live = pod('web', { containers: [{ name: 'main', image: IMAGE, livenessProbe: { exec: { command: ['true'] } } }] });
      expect(derivePodStatus(live, read(instance(live)), context).containerStatuses[0]).toMatchObject({ ready: true, started: true });
    });
  });

  it('a pod of several containers takes its IP from its sandbox', () => {
    const duo = pod('duo', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const sandbox = sandboxOf(duo, { ip: '172.17.0.5' });
    const joined = { id: sandbox.id, ip: '172.17.0.5' };
    const s = derivePodStatus(duo, read(sandbox, instance(duo, 'a', { sandbox: joined }), instance(duo, 'b', { sandbox: joined })), context);
    expect(s.podIP).toBe('172.17.0.5');
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses.map((x) => x.name)).toEqual(['a', 'b']);
  });

  it('a hostNetwork pod has the node\'s IP', () => {
    const host = pod('host', { hostNetwork: true });
    expect(derivePodStatus(host, read(instance(host)), { ...context, policy: { allowPrivileged: false, allowHostNetwork: true } }).podIP).toBe('192.168.1.20');
  });

  it('a pod the node does not admit is Failed, with the reason', () => {
    const gpio = pod('gpio', { containers: [{ name: 'main', image: IMAGE, securityContext: { privileged: true } }] });
    const s = derivePodStatus(gpio, [], context);
    expect(s).toMatchObject({ phase: 'Failed', reason: 'Forbidden', containerStatuses: [] });
    expect(s.message).toContain('--allow-privileged');
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
    const sandbox = sandboxOf(two);
    const s = derivePodStatus(two, read(sandbox, instance(two, 'a', { sandbox: { id: sandbox.id } })), context);
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
