import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../protocol/messages.js';
import type { StoredNode } from './state.js';
import { deletedPods, pruneDeleted, terminatingByOwner, type DeletedPod, type TerminatingView } from './terminating.js';
import { pod } from './test-fixtures.js';

const running: PodStatus = { phase: 'Running', conditions: [], containerStatuses: [] };
const done: PodStatus = { phase: 'Failed', conditions: [], containerStatuses: [] };
const TIMEOUT = 60_000;

const storedNode = (name: string, generation: number): StoredNode => ({ name, uid: `uid-${name}`, creationTimestamp: 't', generation });

function view(options: { reports?: Record<string, PodStatus>; applied?: Record<string, number>; gone?: string[]; notReadySince?: Record<string, number>; nowMs?: number } = {}): TerminatingView {
  return {
    podStatus: (uid) => options.reports?.[uid],
    appliedGeneration: (node) => options.applied?.[node],
    goneNodes: new Set(options.gone ?? []),
    clocks: { notReadySince: new Map(Object.entries(options.notReadySince ?? {})), taintsSince: new Map() },
    nowMs: options.nowMs ?? 100_000,
    evictionTimeoutMs: TIMEOUT,
  };
}

const EXPIRES = 100_000 + 30_000 + TIMEOUT;
const entry = (name: string, owner = 'web', node = 'a', generation = 5): DeletedPod => ({ uid: `uid-${name}`, name, owner, node, generation, expiresAtMs: EXPIRES });

describe('deletedPods', () => {
  it('lists the owned, bound pods the new state no longer holds, with the generation that dropped them', () => {
    const before = {
      kept: pod('kept', { ownerUid: 'web', nodeName: 'a' }),
      gone: pod('gone', { ownerUid: 'web', nodeName: 'a' }),
      unbound: pod('unbound', { ownerUid: 'web' }),
      bare: pod('bare', { nodeName: 'a' }),
      evicted: { ...pod('evicted', { ownerUid: 'web', nodeName: 'a' }), evictedAt: 't' },
    };
    const after = { kept: before.kept };
    expect(deletedPods(before, after, { a: storedNode('a', 5) }, 100_000, TIMEOUT)).toEqual([entry('gone')]);
  });

  it('counts a pod replaced under the same name (a new uid) as deleted', () => {
    const old = pod('same', { ownerUid: 'web', nodeName: 'a' });
    const renewed = { ...old, metadata: { ...old.metadata, uid: 'uid-new' } };
    expect(deletedPods({ same: old }, { same: renewed }, { a: storedNode('a', 2) }, 100_000, TIMEOUT)).toEqual([{ ...entry('same'), generation: 2 }]);
  });
});

describe('terminatingByOwner and pruneDeleted', () => {
  const entries = [entry('w1'), entry('w2'), entry('d1', 'ds', 'b')];

  it('counts, per owner, the deleted pods whose node still reports them running', () => {
    const v = view({ reports: { 'uid-w1': running, 'uid-w2': done, 'uid-d1': running } });
    expect(terminatingByOwner(entries, v)).toEqual({ counts: new Map([['web', 1], ['ds', 1]]), changesAtMs: EXPIRES });
  });

  it.each<[string, TerminatingView, string[]]>([
    ['keeps a pod still reported running', view({ reports: { 'uid-w1': running } }), ['w1', 'w2', 'd1']],
    ['keeps a pod not reported yet while its node has not applied the generation without it', view({ applied: { a: 4, b: 5 } }), ['w1', 'w2']],
    ['drops a pod whose report is cleared once its node applied the generation without it', view({ applied: { a: 5, b: 9 } }), []],
    ['drops a finished pod once its node applied the generation without it', view({ reports: { 'uid-w1': done }, applied: { a: 5, b: 5 } }), []],
    ['drops the pods of a removed node', view({ reports: { 'uid-d1': running }, gone: ['b'], applied: { a: 5 } }), []],
    ['drops the pods of a node not Ready for longer than the eviction timeout', view({ reports: { 'uid-w1': running, 'uid-d1': running }, notReadySince: { a: 100_000 - TIMEOUT } }), ['d1']],
    ['drops a pod still reported once it has expired (a clearing missed while away from the broker)', view({ reports: { 'uid-w1': running }, nowMs: EXPIRES, applied: { b: 5 } }), []],
    ['keeps those of a node not Ready for less', view({ reports: { 'uid-w1': running }, notReadySince: { a: 100_000 - TIMEOUT + 1 }, applied: { b: 5 } }), ['w1', 'w2']],
  ])('%s', (_what, v, kept) => {
    expect(pruneDeleted(entries, v).map((p) => p.name)).toEqual(kept);
  });

  it('says when a count drops with time alone: when the node of a pod still reported reaches its eviction timeout', () => {
    const v = view({ reports: { 'uid-w1': running, 'uid-d1': running }, notReadySince: { a: 90_000 } });
    expect(terminatingByOwner(entries, v)).toEqual({ counts: new Map([['web', 1], ['ds', 1]]), changesAtMs: 90_000 + TIMEOUT });
    expect(terminatingByOwner(entries, { ...v, nowMs: 90_000 + TIMEOUT })).toEqual({ counts: new Map([['ds', 1]]), changesAtMs: EXPIRES });
    expect(terminatingByOwner(entries, { ...v, nowMs: EXPIRES })).toEqual({ counts: new Map() });
  });
});
