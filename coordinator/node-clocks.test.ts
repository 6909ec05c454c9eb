import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../protocol/messages.js';
import { advanceClocks, advanceNode, noClocks, notReadyReason, taintId, type NodeClocks } from './node-clocks.js';
import { overdueStatus } from './node-liveness.js';
import { nodeStatus } from './test-fixtures.js';

const statuses = (...list: NodeStatus[]): Map<string, NodeStatus> => new Map(list.map((s) => [s.node, s]));
const noExecute = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' } as const;

describe('advanceClocks', () => {
  it('starts a node\'s clock the first time it is seen not Ready, keeps it, and stops it when Ready again', () => {
    const first = advanceClocks(noClocks, statuses(nodeStatus('a'), nodeStatus('b', { state: 'offline' })), 1_000);
    expect(first.clocks.notReadySince).toEqual(new Map([['b', 1_000]]));
    expect(first.transitions).toEqual([{ node: 'b', to: 'NotReady', reason: 'ConnectionLost', message: 'its agent lost its connection to the broker (last will)' }]);

    const later = advanceClocks(first.clocks, statuses(nodeStatus('a', { ready: false }), nodeStatus('b', { state: 'offline' })), 5_000);
    expect(later.clocks.notReadySince).toEqual(new Map([['a', 5_000], ['b', 1_000]]));
    expect(later.transitions).toEqual([{ node: 'a', to: 'NotReady', reason: 'NotReady', message: 'its Ready condition is False' }]);

    const back = advanceClocks(later.clocks, statuses(nodeStatus('a', { ready: false }), nodeStatus('b')), 9_000);
    expect(back.clocks.notReadySince).toEqual(new Map([['a', 5_000]]));
    expect(back.transitions).toEqual([{ node: 'b', to: 'Ready', notReadyForMs: 8_000 }]);
  });

  it('returns the same clocks, and no transition, when nothing changed', () => {
    const { clocks } = advanceClocks(noClocks, statuses(nodeStatus('a', { state: 'offline', taints: [noExecute] })), 1);
    const again = advanceClocks(clocks, statuses(nodeStatus('a', { state: 'offline', taints: [noExecute] })), 99);
    expect(again.clocks).toBe(clocks);
    expect(again.transitions).toEqual([]);
  });

  it('counts an overdue node as not Ready, with its reason and message', () => {
    const overdue = overdueStatus('a', nodeStatus('a'), 'now');
    expect(advanceClocks(noClocks, statuses(overdue), 7).transitions).toEqual([
      { node: 'a', to: 'NotReady', reason: 'NodeStatusUnknown', message: 'Baton agent stopped posting node status.' },
    ]);
  });

  it('forgets a node that has no status any more (removed from the fleet), without a transition', () => {
    const { clocks } = advanceClocks(noClocks, statuses(nodeStatus('a', { state: 'offline', taints: [noExecute] })), 1);
    const gone = advanceClocks(clocks, statuses(), 2);
    expect(gone.clocks).toEqual({ notReadySince: new Map(), taintsSince: new Map() });
    expect(gone.transitions).toEqual([]);
  });

  it('keeps since when each NoExecute taint has been on each node, and only NoExecute ones', () => {
    const noSchedule = { key: 'x', effect: 'NoSchedule' } as const;
    const other = { key: 'maintenance', effect: 'NoExecute' } as const;
    const one = advanceClocks(noClocks, statuses(nodeStatus('a', { taints: [noExecute, noSchedule] })), 10);
    expect(one.clocks.taintsSince).toEqual(new Map([['a', new Map([['dedicated=gpu:NoExecute', 10]])]]));
    const two: NodeClocks = advanceClocks(one.clocks, statuses(nodeStatus('a', { taints: [noExecute, other] })), 20).clocks;
    expect(two.taintsSince).toEqual(new Map([['a', new Map([['dedicated=gpu:NoExecute', 10], ['maintenance=:NoExecute', 20]])]]));
    const removed = advanceClocks(two, statuses(nodeStatus('a', { taints: [other] })), 30).clocks;
    expect(removed.taintsSince).toEqual(new Map([['a', new Map([['maintenance=:NoExecute', 20]])]]));
    expect(advanceClocks(removed, statuses(nodeStatus('a')), 40).clocks.taintsSince).toEqual(new Map());
  });
});

describe('advanceNode', () => {
  it('looks at one node only, and costs a Ready node\'s heartbeat nothing (the same clocks back)', () => {
    const { clocks } = advanceClocks(noClocks, statuses(nodeStatus('a', { state: 'offline' }), nodeStatus('b')), 1);
    expect(advanceNode(clocks, 'b', nodeStatus('b'), 2).clocks).toBe(clocks);
    expect(advanceNode(clocks, 'a', nodeStatus('a', { state: 'offline' }), 2).clocks).toBe(clocks);
    const back = advanceNode(clocks, 'a', nodeStatus('a'), 3);
    expect(back.clocks.notReadySince).toEqual(new Map());
    expect(back.transitions).toEqual([{ node: 'a', to: 'Ready', notReadyForMs: 2 }]);
    expect(clocks.notReadySince).toEqual(new Map([['a', 1]])); // not changed in place
    const removed = advanceNode(clocks, 'a', undefined, 4);
    expect(removed).toEqual({ clocks: { notReadySince: new Map(), taintsSince: new Map() }, transitions: [] });
  });
});

describe('notReadyReason', () => {
  it.each([
    [{ ...nodeStatus('a', { state: 'offline' }), reason: 'AgentStopped' }, { reason: 'AgentStopped', message: 'its agent stopped' }],
    [{ protocol: 'v1', node: 'a', state: 'offline' } as const, { reason: 'Offline', message: 'its agent is offline' }],
    [
      { ...nodeStatus('a'), conditions: [{ type: 'Ready', status: 'False', reason: 'ContainerRuntimeDown', message: 'docker is not answering' }] },
      { reason: 'ContainerRuntimeDown', message: 'docker is not answering' },
    ],
    [{ ...nodeStatus('a'), conditions: [] }, { reason: 'NotReady', message: 'its Ready condition is missing' }],
  ] as const)('%j', (status, expected) => {
    expect(notReadyReason(status as NodeStatus)).toEqual(expected);
  });
});

describe('taintId', () => {
  it('names key, value and effect', () => {
    expect(taintId(noExecute)).toBe('dedicated=gpu:NoExecute');
    expect(taintId({ key: 'k', effect: 'NoSchedule' })).toBe('k=:NoSchedule');
  });
});
