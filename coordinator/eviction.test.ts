import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../protocol/manifest-scheduling.js';
import { conditionTaint, evictionVerdict, goDuration, toleratedForMs, type EvictionVerdict } from './eviction.js';
import type { NodeClocks } from './node-clocks.js';
import type { NodeView } from './node-view.js';

const TIMEOUT = 120_000;
const NOW = 1_000_000;
const NOT_READY_SINCE = NOW - 30_000;
const TAINT_SINCE = NOW - 10_000;

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
const offline: Pick<NodeView, 'name' | 'presence' | 'ready' | 'taints'> = { name: 'pi-1', presence: 'offline', ready: false };
const notReady: typeof offline = { name: 'pi-1', presence: 'online', ready: false };
const ready: typeof offline = { name: 'pi-1', presence: 'online', ready: true };
const clocks: NodeClocks = {
  notReadySince: new Map([['pi-1', NOT_READY_SINCE]]),
  taintsSince: new Map([['pi-1', new Map([['dedicated=gpu:NoExecute', TAINT_SINCE]])]]),
};

const unreachable = (extra: Partial<Toleration> = {}): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...extra });
const notReadyToleration = (extra: Partial<Toleration> = {}): Toleration => ({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', ...extra });

const at = (atMs: number, reason: string, message: string): EvictionVerdict => ({ kind: 'at', atMs, reason, message }) as EvictionVerdict;

describe('evictionVerdict', () => {
  it.each<[string, typeof offline, Toleration[] | undefined, EvictionVerdict]>([
    ['a Ready node without NoExecute taints never evicts', ready, undefined, { kind: 'never' }],
    ['an offline node evicts after --eviction-timeout from when it went not Ready', offline, undefined, at(NOT_READY_SINCE + TIMEOUT, 'NodeUnreachable', 'node pi-1 unreachable for longer than --eviction-timeout 2m0s')],
    ['an online node that is not Ready: the same, as not-ready', notReady, undefined, at(NOT_READY_SINCE + TIMEOUT, 'NodeNotReady', 'node pi-1 not ready for longer than --eviction-timeout 2m0s')],
    ['the pod\'s own toleration of unreachable with tolerationSeconds wins over the timeout', offline, [unreachable({ tolerationSeconds: 600 })], at(NOT_READY_SINCE + 600_000, 'NodeUnreachable', 'node pi-1 unreachable for longer than the pod tolerates node.kubernetes.io/unreachable for 10m0s')],
    ['a shorter own toleration too', offline, [unreachable({ tolerationSeconds: 5 })], at(NOT_READY_SINCE + 5_000, 'NodeUnreachable', 'node pi-1 unreachable for longer than the pod tolerates node.kubernetes.io/unreachable for 5s')],
    ['tolerationSeconds 0 or less: at once', offline, [unreachable({ tolerationSeconds: -3 })], at(NOT_READY_SINCE, 'NodeUnreachable', 'node pi-1 unreachable for longer than the pod tolerates node.kubernetes.io/unreachable for 0ms')],
    ['several matching tolerations: the shortest tolerationSeconds', offline, [unreachable({ tolerationSeconds: 60 }), { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], at(NOT_READY_SINCE + 30_000, 'NodeUnreachable', 'node pi-1 unreachable for longer than the pod tolerates node.kubernetes.io/unreachable for 30s')],
    ['a toleration without tolerationSeconds: never', offline, [unreachable()], { kind: 'never' }],
    ['a toleration of every taint (empty key, Exists): never', offline, [{ operator: 'Exists' }], { kind: 'never' }],
    ['an empty effect tolerates the NoExecute taint too: never', offline, [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], { kind: 'never' }],
    ['a toleration of not-ready does not cover an unreachable node', offline, [notReadyToleration()], at(NOT_READY_SINCE + TIMEOUT, 'NodeUnreachable', 'node pi-1 unreachable for longer than --eviction-timeout 2m0s')],
    ['a toleration of not-ready does cover an online node that is not Ready', notReady, [notReadyToleration()], { kind: 'never' }],
    ['a NoSchedule toleration of unreachable does not match the NoExecute taint', offline, [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }], at(NOT_READY_SINCE + TIMEOUT, 'NodeUnreachable', 'node pi-1 unreachable for longer than --eviction-timeout 2m0s')],
    ['an untolerated NoExecute taint on a Ready node: at once, from when it was first seen', { ...ready, taints: [gpu] }, undefined, at(TAINT_SINCE, 'NoExecuteTaint', 'node pi-1 has untolerated taint {dedicated: gpu}:NoExecute')],
    ['a NoExecute taint tolerated with tolerationSeconds: that long after it was first seen', { ...ready, taints: [gpu] }, [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 60 }], at(TAINT_SINCE + 60_000, 'NoExecuteTaint', 'node pi-1 has taint dedicated=gpu:NoExecute, tolerated for 1m0s')],
    ['a NoExecute taint tolerated for ever', { ...ready, taints: [gpu] }, [{ key: 'dedicated', operator: 'Exists' }], { kind: 'never' }],
    ['NoSchedule and PreferNoSchedule taints evict nothing', { ...ready, taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] }, undefined, { kind: 'never' }],
    ['the earliest of several reasons wins: an untolerated taint on an offline node', { ...offline, taints: [gpu] }, undefined, at(TAINT_SINCE, 'NoExecuteTaint', 'node pi-1 has untolerated taint {dedicated: gpu}:NoExecute')],
    ['the earliest of several reasons wins: the node\'s timeout before a long-tolerated taint', { ...offline, taints: [gpu] }, [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }], at(NOT_READY_SINCE + TIMEOUT, 'NodeUnreachable', 'node pi-1 unreachable for longer than --eviction-timeout 2m0s')],
  ])('%s', (_what, node, tolerations, expected) => {
    expect(evictionVerdict({ tolerations, node, clocks, nowMs: NOW, evictionTimeoutMs: TIMEOUT })).toEqual(expected);
  });

  it('counts from now for a node or taint whose clock has not started yet (seen this very moment)', () => {
    const none: NodeClocks = { notReadySince: new Map(), taintsSince: new Map() };
    expect(evictionVerdict({ tolerations: undefined, node: { ...offline, taints: [gpu] }, clocks: none, nowMs: NOW, evictionTimeoutMs: TIMEOUT })).toMatchObject({ atMs: NOW, reason: 'NoExecuteTaint' });
    expect(evictionVerdict({ tolerations: undefined, node: offline, clocks: none, nowMs: NOW, evictionTimeoutMs: TIMEOUT })).toMatchObject({ atMs: NOW + TIMEOUT });
  });

  it('says nothing of a node not heard since start or removed (judged elsewhere)', () => {
    expect(conditionTaint({ presence: 'unheard', ready: false })).toBeUndefined();
    expect(conditionTaint({ presence: 'gone', ready: false })).toBeUndefined();
    expect(evictionVerdict({ tolerations: undefined, node: { name: 'pi-1', presence: 'unheard', ready: false }, clocks, nowMs: NOW, evictionTimeoutMs: TIMEOUT })).toEqual({ kind: 'never' });
  });
});

describe('toleratedForMs', () => {
  it.each<[Toleration[], number | undefined]>([
    [[], undefined],
    [[{ operator: 'Exists' }], undefined],
    [[{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 90 }, { operator: 'Exists' }], 90_000],
    [[{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }], 0],
  ])('%j -> %s', (tolerations, expected) => {
    expect(toleratedForMs(tolerations)).toBe(expected);
  });
});

describe('goDuration', () => {
  it.each([
    [500, '500ms'],
    [2_000, '2s'],
    [1_500, '1.5s'],
    [120_000, '2m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
  ])('%i ms is %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
});
