import { describe, expect, it } from 'vitest';
import type { PodStatus, PodStatusReport } from '../protocol/messages.js';
import { ObservedState } from './observed.js';
import { nodeStatus } from './test-fixtures.js';

const report = (uid: string, status: Partial<PodStatus> = {}): PodStatusReport => ({
  protocol: 'v1',
  node: 'n1',
  name: 'p',
  uid,
  observedGeneration: 1,
  status: { phase: 'Running', conditions: [], containerStatuses: [], ...status },
});

describe('ObservedState', () => {
  it('wakes the loop only for node changes that matter to scheduling', () => {
    const observed = new ObservedState();
    expect(observed.setNodeStatus(nodeStatus('n1'))).toBe(true);
    expect(observed.setNodeStatus({ ...nodeStatus('n1'), usage: { cpuPercent: 50, memoryBytes: 1 }, time: 'later' })).toBe(false);
    expect(observed.setNodeStatus(nodeStatus('n1', { labels: { a: 'b' } }))).toBe(true);
    expect(observed.setNodeStatus(nodeStatus('n1', { labels: { a: 'b' }, ready: false }))).toBe(true);
    expect(observed.setNodeStatus(nodeStatus('n1', { labels: { a: 'b' }, ready: false, memory: '1Gi' }))).toBe(true);
  });

  it('keeps the facts a node last reported online when its offline will arrives (which carries none)', () => {
    const observed = new ObservedState();
    const online = { ...nodeStatus('n1', { labels: { sensor: 'yes' } }), capacity: { cpu: '4', memory: '8Gi', pods: '110' }, startedAt: '2025-01-01T00:00:00.000Z', observedGeneration: 7, usage: { cpuPercent: 5, memoryBytes: 1 } };
    observed.setNodeStatus(online);
    const will = { protocol: 'v1', node: 'n1', state: 'offline', reason: 'ConnectionLost', time: '2025-01-02T00:00:00.000Z' } as const;
    expect(observed.setNodeStatus(will)).toBe(true);
    expect(observed.nodeStatuses.get('n1')).toEqual({
      protocol: 'v1',
      node: 'n1',
      state: 'offline',
      reason: 'ConnectionLost',
      time: '2025-01-02T00:00:00.000Z',
      labels: { sensor: 'yes' },
      allocatable: online.allocatable,
      capacity: online.capacity,
      startedAt: '2025-01-01T00:00:00.000Z',
      observedGeneration: 7,
    });
    // A second will (broker restart) keeps them too; a will heard first has nothing to keep.
    expect(observed.setNodeStatus({ ...will, reason: 'AgentStopped' })).toBe(false);
    expect(observed.nodeStatuses.get('n1')).toMatchObject({ reason: 'AgentStopped', labels: { sensor: 'yes' } });
    observed.setNodeStatus(nodeStatus('n2', { state: 'offline' }));
    expect(observed.nodeStatuses.get('n2')).toEqual(nodeStatus('n2', { state: 'offline' }));
  });

  it('marks a node whose status was cleared as gone, until it comes back', () => {
    const observed = new ObservedState();
    observed.setNodeStatus(nodeStatus('n1'));
    expect(observed.clearNodeStatus('n1')).toBe(true);
    expect(observed.clearNodeStatus('n1')).toBe(false);
    expect(observed.goneNodes.has('n1')).toBe(true);
    expect(observed.nodeStatuses.has('n1')).toBe(false);
    expect(observed.setNodeStatus(nodeStatus('n1'))).toBe(true);
    expect(observed.goneNodes.has('n1')).toBe(false);
  });

  it('finds pod statuses by uid and drops them when cleared or replaced', () => {
    const observed = new ObservedState();
    expect(observed.setPodReport(report('u1'))).toBe(true);
    expect(observed.podStatus('u1')?.phase).toBe('Running');
    expect(observed.setPodReport(report('u1', { startTime: 'x' }))).toBe(false);
    expect(observed.setPodReport(report('u1', { conditions: [{ type: 'Ready', status: 'True' }] }))).toBe(true);
    expect(observed.setPodReport(report('u2'))).toBe(true); // same name, a new pod
    expect(observed.podStatus('u1')).toBeUndefined();
    expect(observed.clearPodReport('n1', 'p')).toBe(true);
    expect(observed.podStatus('u2')).toBeUndefined();
    expect(observed.clearPodReport('n1', 'p')).toBe(false);
  });
});
