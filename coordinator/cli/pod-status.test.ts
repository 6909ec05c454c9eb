import { describe, expect, it } from 'vitest';
import type { ContainerStatus, PodStatus } from '../../protocol/messages.js';
import { podStatusColumn, readyColumn, restartsColumn } from './pod-status.js';

function container(name: string, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, ready: false, restartCount: 0, image: 'baton-test/busybox:1', state, ...extra };
}

const running = (name: string, ready = true): ContainerStatus =>
  container(name, { running: { startedAt: '2026-01-01T00:00:00Z' } }, { ready });

function pod(phase: PodStatus['phase'], containerStatuses: ContainerStatus[], extra: Partial<PodStatus> = {}): PodStatus {
  return { phase, conditions: [], containerStatuses, ...extra };
}

describe('podStatusColumn (kubectl STATUS)', () => {
  it.each<[string, PodStatus, string]>([
    ['the phase when nothing overrides it', pod('Pending', []), 'Pending'],
    ['Running with running containers', pod('Running', [running('a'), running('b')]), 'Running'],
    ['the pod reason over the phase', pod('Failed', [], { reason: 'Evicted' }), 'Evicted'],
    ['a waiting reason', pod('Pending', [container('a', { waiting: { reason: 'ContainerCreating' } })]), 'ContainerCreating'],
    ['ErrImagePull', pod('Pending', [container('a', { waiting: { reason: 'ErrImagePull', message: 'no such image' } })]), 'ErrImagePull'],
    ['CrashLoopBackOff while Running', pod('Running', [container('a', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 4 })]), 'CrashLoopBackOff'],
    ['a terminated reason', pod('Succeeded', [container('a', { terminated: { exitCode: 0, reason: 'Completed' } })]), 'Completed'],
    ['Error for a failed container', pod('Failed', [container('a', { terminated: { exitCode: 1, reason: 'Error' } })]), 'Error'],
    ['ExitCode:N without a reason', pod('Failed', [container('a', { terminated: { exitCode: 3, reason: '' } })]), 'ExitCode:3'],
    ['Signal:N without a reason', pod('Failed', [container('a', { terminated: { exitCode: 137, reason: '', signal: 9 } })]), 'Signal:9'],
    [
      'the first container\'s state over later ones',
      pod('Pending', [container('a', { waiting: { reason: 'ErrImagePull' } }), container('b', { waiting: { reason: 'ContainerCreating' } })]),
      'ErrImagePull',
    ],
    [
      'Running when one container completed and another still runs ready',
      pod('Running', [container('a', { terminated: { exitCode: 0, reason: 'Completed' } }), running('b')], {
        conditions: [{ type: 'Ready', status: 'True' }],
      }),
      'Running',
    ],
    [
      'NotReady when one completed, another runs, and the pod is not Ready',
      pod('Running', [container('a', { terminated: { exitCode: 0, reason: 'Completed' } }), running('b')], {
        conditions: [{ type: 'Ready', status: 'False' }],
      }),
      'NotReady',
    ],
  ])('%s', (_what, status, expected) => {
    expect(podStatusColumn(status)).toBe(expected);
  });
});

describe('readyColumn and restartsColumn', () => {
  it.each<[PodStatus, number, string, string]>([
    [pod('Pending', []), 2, '0/2', '0'],
    [pod('Running', [running('a'), running('b', false)]), 2, '1/2', '0'],
    [pod('Running', [running('a'), { ...running('b'), restartCount: 3 }]), 2, '2/2', '3'],
    [pod('Running', [{ ...running('a'), restartCount: 1 }, { ...running('b', false), restartCount: 5 }]), 1, '1/2', '6'],
  ])('%j of %d containers -> READY %s, RESTARTS %s', (status, count, ready, restarts) => {
    expect(readyColumn(status, count)).toBe(ready);
    expect(restartsColumn(status)).toBe(restarts);
  });
});
