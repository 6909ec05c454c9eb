import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../protocol/messages.js';
import { checkOverdue, NODE_STATUS_UNKNOWN, overdueAt, overdueStatus, STOPPED_POSTING_MESSAGE } from './node-liveness.js';
import { nodeStatus } from './test-fixtures.js';

const GRACE = 40_000;

describe('overdueAt', () => {
  it.each([
    ['heard after the coordinator started listening', 5_000, 1_000, 45_000],
    ['heard before a reconnect: the grace starts again at the reconnect', 1_000, 30_000, 70_000],
    ['never heard since start: the grace runs from the start of listening', undefined, 2_000, 42_000],
  ])('%s', (_what, lastHeard, listeningSince, expected) => {
    expect(overdueAt(lastHeard, listeningSince, GRACE)).toBe(expected);
  });
});

describe('checkOverdue', () => {
  const watched = new Map<string, number | undefined>([
    ['a', 0],
    ['b', 10_000],
    ['c', undefined],
  ]);

  it.each([
    [39_999, [], 40_000],
    [40_000, ['a', 'c'], 50_000],
    [49_999, ['a', 'c'], 50_000],
    [50_000, ['a', 'b', 'c'], undefined],
  ])('at %i ms: overdue %j, next look at %s', (now, overdue, next) => {
    expect(checkOverdue(watched, 0, now, GRACE)).toEqual({ overdue, nextCheckAtMs: next });
  });

  it('judges nothing while the coordinator is not listening (it could not have heard anything)', () => {
    expect(checkOverdue(watched, undefined, 1_000_000, GRACE)).toEqual({ overdue: [], nextCheckAtMs: undefined });
  });

  it('has nothing to look at again when no node is watched', () => {
    expect(checkOverdue([], 0, 5, GRACE)).toEqual({ overdue: [], nextCheckAtMs: undefined });
  });
});

describe('overdueStatus', () => {
  const now = '2026-01-01T00:10:00.000Z';

  it('is offline, NodeStatusUnknown, every condition Unknown with the reason, and keeps the last heartbeat time', () => {
    const before: NodeStatus = {
      ...nodeStatus('pi-1'),
      time: '2026-01-01T00:09:10.000Z',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00.000Z' },
        { type: 'MemoryPressure', status: 'False' },
      ],
    };
    expect(overdueStatus('pi-1', before, now)).toEqual({
      protocol: 'v1',
      node: 'pi-1',
      state: 'offline',
      reason: NODE_STATUS_UNKNOWN,
      time: '2026-01-01T00:09:10.000Z',
      conditions: [
        { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_POSTING_MESSAGE, lastTransitionTime: now },
        { type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_POSTING_MESSAGE, lastTransitionTime: now },
      ],
    });
    expect(STOPPED_POSTING_MESSAGE).toBe('Baton agent stopped posting node status.');
  });

  it('gives a node never heard (or without conditions) a Ready condition that is Unknown', () => {
    expect(overdueStatus('pi-2', undefined, now)).toEqual({
      protocol: 'v1',
      node: 'pi-2',
      state: 'offline',
      reason: NODE_STATUS_UNKNOWN,
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_POSTING_MESSAGE, lastTransitionTime: now }],
    });
  });

  it('keeps the transition time of a condition that already was Unknown', () => {
    const before: NodeStatus = { ...nodeStatus('pi-1'), conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: 'earlier' }] };
    expect(overdueStatus('pi-1', before, now).conditions?.[0]?.lastTransitionTime).toBe('earlier');
  });
});
