import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { ObservedState } from './observed.js';
import { reconcile } from './reconcile.js';
import { emptyState, type CoordinatorState } from './state.js';
import { deployment, nodeStatus, testEntropy } from './test-fixtures.js';

/**
 * The lifecycle shell's one timer, on fake timers and a clock that moves with them: it
 * fires at the deadlines the pure parts compute, and none is set while nothing is pending.
 */

const GRACE = 40_000;
const TIMEOUT = 120_000;

describe('NodeLifecycle', () => {
  let observed: ObservedState;
  let lifecycle: NodeLifecycle;
  let wakes: number;
  let stored: string[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    observed = new ObservedState(() => Date.now());
    wakes = 0;
    stored = [];
    lifecycle = new NodeLifecycle({
      observed,
      log: createLogger('test', 'silent'),
      monotonicMs: () => Date.now(),
      now: () => new Date().toISOString(),
      isConnected: () => true,
      storedNodes: () => stored,
      wake: () => (wakes += 1),
      evictionTimeoutMs: TIMEOUT,
      nodeGraceMs: GRACE,
    });
  });

  afterEach(() => {
    lifecycle.stop();
    vi.useRealTimers();
  });

  /** A heartbeat: a status stamped with the (fake) time, as an agent sends it. */
  const hear = (node: string): void => {
    observed.setNodeStatus({ ...nodeStatus(node), time: new Date().toISOString() });
    lifecycle.nodeStatusChanged(node);
  };

  it('waits out a deadline beyond what setTimeout takes (a 30-day grace) in steps, not by firing at once', () => {
    let reads = 0;
    const far = new NodeLifecycle({
      observed,
      log: createLogger('test', 'silent'),
      monotonicMs: () => ((reads += 1), Date.now()),
      now: () => new Date().toISOString(),
      isConnected: () => true,
      storedNodes: () => stored,
      wake: () => (wakes += 1),
      evictionTimeoutMs: TIMEOUT,
      nodeGraceMs: 30 * 24 * 3600 * 1000,
    });
    try {
      far.connected();
      observed.setNodeStatus(nodeStatus('a'));
      far.nodeStatusChanged('a');
      const before = reads;
      vi.advanceTimersByTime(1_000);
      expect(reads - before).toBe(0);
      expect(observed.nodeStatuses.get('a')?.state).toBe('online');
    } finally {
      far.stop();
    }
  });

  it('holds a node offline exactly --node-grace after its last status, and wakes the loop then', () => {
    lifecycle.connected();
    hear('a');
    vi.advanceTimersByTime(30_000);
    hear('a'); // a heartbeat moves the deadline on
    vi.advanceTimersByTime(GRACE - 1);
    expect(observed.nodeStatuses.get('a')?.state).toBe('online');
    expect(wakes).toBe(0);
    vi.advanceTimersByTime(1);
    expect(observed.nodeStatuses.get('a')).toMatchObject({ state: 'offline', reason: 'NodeStatusUnknown' });
    expect(wakes).toBe(1);
    expect(vi.getTimerCount()).toBe(0); // nothing left to wait for
  });

  it('gives a node known only from the store its grace from the connect', () => {
    stored = ['s'];
    lifecycle.connected();
    vi.advanceTimersByTime(GRACE);
    expect(observed.nodeStatuses.get('s')).toMatchObject({ state: 'offline', reason: 'NodeStatusUnknown' });
  });

  it('sets no timer while nothing is pending', () => {
    expect(vi.getTimerCount()).toBe(0);
    const state: CoordinatorState = emptyState();
    lifecycle.afterPass(state, reconcile(state, observed, testEntropy(), lifecycle.beforePass()));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wakes the loop when a pass said an eviction falls due, and the pass then sees the pod lost', () => {
    lifecycle.connected();
    hear('a');
    hear('b');
    const first = reconcile({ ...emptyState(), deployments: { web: deployment('web', 2) } }, observed, testEntropy(), lifecycle.beforePass());
    lifecycle.afterPass(emptyState(), first);
    observed.setNodeStatus(nodeStatus('b', { state: 'offline' }));
    lifecycle.nodeStatusChanged('b');
    const offlineAt = Date.now();
    const waiting = reconcile(first.state, observed, testEntropy(), lifecycle.beforePass());
    expect(waiting.wakeAtMs).toBe(offlineAt + TIMEOUT);
    lifecycle.afterPass(first.state, waiting);

    // Node a keeps its heartbeat; the loop is woken at the eviction, not before.
    for (let t = 0; t < TIMEOUT - 10_000; t += 10_000) {
      vi.advanceTimersByTime(10_000);
      hear('a');
    }
    expect(wakes).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(wakes).toBe(1);
    const due = reconcile(waiting.state, observed, testEntropy(), lifecycle.beforePass());
    expect([...due.lost.values()].map((l) => [l.node, l.reason])).toEqual([['b', 'NodeUnreachable']]);
  });

  it('judges nothing overdue while not connected, and starts the grace again on connect', () => {
    lifecycle.connected();
    hear('a');
    lifecycle.disconnected();
    vi.advanceTimersByTime(3 * GRACE);
    expect(observed.nodeStatuses.get('a')?.state).toBe('online');
    lifecycle.connected();
    vi.advanceTimersByTime(GRACE - 1);
    expect(observed.nodeStatuses.get('a')?.state).toBe('online');
    vi.advanceTimersByTime(1);
    expect(observed.nodeStatuses.get('a')?.state).toBe('offline');
  });

  it('tells list replies how the control loop sees each pod now: a report from before its node came back is unknown', () => {
    lifecycle.connected();
    hear('a');
    const placed = reconcile({ ...emptyState(), deployments: { web: deployment('web', 1) } }, observed, testEntropy(), lifecycle.beforePass()).state;
    const [pod] = Object.values(placed.pods);
    if (pod === undefined) throw new Error('no pod placed');
    observed.setPodReport({ protocol: 'v1', node: 'a', name: pod.metadata.name, uid: pod.metadata.uid, observedGeneration: 1, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] } });
    expect(lifecycle.availabilityNow(placed)(pod)).toBe('ready');
    observed.setNodeStatus(nodeStatus('a', { state: 'offline' }));
    lifecycle.nodeStatusChanged('a');
    expect(lifecycle.availabilityNow(placed)(pod)).toBe('unknown');
    hear('a');
    expect(lifecycle.availabilityNow(placed)(pod)).toBe('unknown');
    vi.advanceTimersByTime(TIMEOUT);
    expect(lifecycle.availabilityNow(placed)(pod)).toBe('unknown'); // back in time: never lost
  });
});
