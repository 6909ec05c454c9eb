import { describe, expect, it } from 'vitest';
import type { PodStatus, PodStatusReport } from '../protocol/messages.js';
import { ObservedState } from './observed.js';
import { viewNode } from './node-view.js';
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

  describe('node lifecycle', () => {
    const clock = () => {
      let now = 0;
      return { read: () => now, set: (ms: number) => { now = ms; } };
    };
    const will = { protocol: 'v1', node: 'n1', state: 'offline', reason: 'ConnectionLost' } as const;

    it('records when each node status was received, on the injected clock', () => {
      const t = clock();
      const observed = new ObservedState(t.read);
      expect(observed.lastHeardMs('n1')).toBeUndefined();
      t.set(1_500);
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'first' });
      expect(observed.lastHeardMs('n1')).toBe(1_500);
      t.set(9_000);
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'second' });
      expect(observed.lastHeardMs('n1')).toBe(9_000);
      // The same message again (the broker re-sends retained ones on a resubscribe) is not news.
      t.set(20_000);
      expect(observed.setNodeStatus({ ...nodeStatus('n1'), time: 'second' })).toBe(false);
      expect(observed.lastHeardMs('n1')).toBe(9_000);
      observed.clearNodeStatus('n1');
      expect(observed.lastHeardMs('n1')).toBeUndefined();
    });

    it('holds an overdue node offline with its facts, and lets the next status undo it', () => {
      const observed = new ObservedState();
      const online = { ...nodeStatus('n1', { labels: { zone: 'attic' }, taints: [{ key: 'k', effect: 'NoExecute' }] }), time: 'last-heartbeat', usage: { cpuPercent: 3, memoryBytes: 1 } };
      observed.setNodeStatus(online);
      expect(observed.markOverdue('n1', 'now')).toBe(true);
      expect(observed.isOverdue('n1')).toBe(true);
      const held = observed.nodeStatuses.get('n1');
      expect(held).toMatchObject({
        state: 'offline',
        reason: 'NodeStatusUnknown',
        time: 'last-heartbeat',
        labels: { zone: 'attic' },
        taints: [{ key: 'k', effect: 'NoExecute' }],
        allocatable: online.allocatable,
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Baton agent stopped posting node status.', lastTransitionTime: 'now' }],
      });
      expect(held).not.toHaveProperty('usage');
      expect(viewNode('n1', held, false)).toMatchObject({ presence: 'offline', ready: false, labels: { zone: 'attic' } });
      expect(observed.markOverdue('n1', 'later')).toBe(false); // already held offline

      // Its last status sent again (a resubscribe) does not undo it; a new heartbeat does.
      expect(observed.setNodeStatus(online)).toBe(false);
      expect(observed.isOverdue('n1')).toBe(true);
      const next = { ...online, time: 'next-heartbeat' };
      expect(observed.setNodeStatus(next)).toBe(true);
      expect(observed.isOverdue('n1')).toBe(false);
      expect(observed.nodeStatuses.get('n1')).toEqual(next);
    });

    it('does not mark a node offline by its will, or removed, as overdue; a node known only from the store is marked without facts', () => {
      const observed = new ObservedState();
      observed.setNodeStatus(nodeStatus('n1'));
      observed.setNodeStatus(will);
      expect(observed.markOverdue('n1', 'now')).toBe(false);
      expect(observed.nodeStatuses.get('n1')?.reason).toBe('ConnectionLost');
      observed.clearNodeStatus('n1');
      expect(observed.markOverdue('n1', 'now')).toBe(false);
      expect(observed.nodeStatuses.has('n1')).toBe(false);
      expect(observed.markOverdue('stored', 'now')).toBe(true);
      expect(observed.nodeStatuses.get('stored')).toMatchObject({ node: 'stored', state: 'offline', reason: 'NodeStatusUnknown' });
    });

    it('counts a report as current only if received after its node last came back (from its will, or removed)', () => {
      const observed = new ObservedState();
      observed.setNodeStatus(nodeStatus('n1'));
      observed.setPodReport(report('u1'));
      expect(observed.currentPodStatus('u1')).toBeDefined(); // heard since start, node never away

      let beat = 0;
      for (const away of [() => observed.setNodeStatus(will), () => observed.clearNodeStatus('n1')]) {
        away();
        expect(observed.currentPodStatus('u1')).toBeDefined(); // the node being away is judged elsewhere
        expect(observed.setNodeStatus({ ...nodeStatus('n1'), time: `beat-${(beat += 1)}` })).toBe(true); // back
        expect(observed.currentPodStatus('u1')).toBeUndefined(); // stale: from before it went away
        expect(observed.podStatus('u1')).toBeDefined(); // still shown
        expect(observed.setPodReport(report('u1'))).toBe(true); // reported again: wakes the loop though nothing else changed
        expect(observed.currentPodStatus('u1')?.phase).toBe('Running');
      }
    });

    it('does not count a node held offline only for being overdue as back: it never left, and sends its reports no more than before', () => {
      const observed = new ObservedState();
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'a' });
      observed.setPodReport(report('u1'));
      observed.markOverdue('n1', 'now');
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'b' });
      expect(observed.currentPodStatus('u1')).toBeDefined();
    });

    it('counts a node as heard live once it sends a status other than the first one received (which may be a dead node\'s retained one)', () => {
      const observed = new ObservedState();
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'retained' });
      expect(observed.isHeardLive('n1')).toBe(false);
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'retained' });
      expect(observed.isHeardLive('n1')).toBe(false);
      observed.setNodeStatus({ ...nodeStatus('n1'), time: 'heartbeat' });
      expect(observed.isHeardLive('n1')).toBe(true);
    });

    it('does not count a status after a not-Ready one of an online node as a return', () => {
      const observed = new ObservedState();
      observed.setNodeStatus(nodeStatus('n1'));
      observed.setPodReport(report('u1'));
      observed.setNodeStatus(nodeStatus('n1', { ready: false }));
      observed.setNodeStatus(nodeStatus('n1'));
      expect(observed.currentPodStatus('u1')).toBeDefined();
    });
  });
});
