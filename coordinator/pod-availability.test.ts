import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../protocol/messages.js';
import type { NodeClocks } from './node-clocks.js';
import { viewNode, type NodeView } from './node-view.js';
import { earliestChange, podAvailability, type AvailabilityContext, type AvailabilityVerdict } from './pod-availability.js';
import type { StoredPod } from './state.js';
import { node, nodeGoneOffline, pod, spec } from './test-fixtures.js';

const TIMEOUT = 120_000;
const NOW = 500_000;

const ready: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] };
const starting: PodStatus = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [] };
const finished: PodStatus = { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [] };

function ownedBy(kind: 'Deployment' | 'DaemonSet' | undefined, nodeName: string | undefined, extra: Partial<StoredPod['spec']> = {}): StoredPod {
  const base = pod('p', { ...(nodeName !== undefined ? { nodeName } : {}), spec: spec(extra) });
  if (kind === undefined) return base;
  return { ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'owner', uid: 'uid-owner' }] } };
}

function context(nodes: NodeView[], options: { since?: number; status?: PodStatus; taintSince?: number; live?: boolean; boundSince?: number } = {}): AvailabilityContext {
  const clocks: NodeClocks = {
    notReadySince: new Map(nodes.filter((n) => !n.ready).map((n) => [n.name, options.since ?? NOW - 1_000])),
    taintsSince: new Map(options.taintSince !== undefined ? [['n1', new Map([['dedicated=gpu:NoExecute', options.taintSince]])]] : []),
  };
  return { nodes: new Map(nodes.map((n) => [n.name, n])), clocks, nowMs: NOW, evictionTimeoutMs: TIMEOUT, currentPodStatus: () => options.status, isHeardLive: () => options.live ?? true, podBoundSince: () => options.boundSince ?? 0 };
}

const online = node('n1');
const offline = nodeGoneOffline('n1');
const notReadyNode = node('n1', { ready: false });
const unheard = viewNode('n1', undefined, false);
const gone = viewNode('n1', undefined, true);
const tainted = node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] });
const longAgo = NOW - TIMEOUT - 1;

describe('podAvailability', () => {
  it.each<[string, StoredPod, AvailabilityContext, AvailabilityVerdict]>([
    ['an unbound pod is notReady', ownedBy('Deployment', undefined), context([online]), { availability: 'notReady' }],
    ['Ready node, current report Ready: ready', ownedBy('Deployment', 'n1'), context([online], { status: ready }), { availability: 'ready' }],
    ['Ready node, current report not Ready: notReady', ownedBy('Deployment', 'n1'), context([online], { status: starting }), { availability: 'notReady' }],
    ['Ready node, pod finished: notReady', ownedBy('Deployment', 'n1'), context([online], { status: finished }), { availability: 'notReady' }],
    ['Ready node, no current report (not heard since start, or stale since its return): unknown', ownedBy('Deployment', 'n1'), context([online]), { availability: 'unknown' }],
    ['node offline within the timeout: unknown, until the eviction', ownedBy('Deployment', 'n1'), context([offline], { status: ready }), { availability: 'unknown', changesAtMs: NOW - 1_000 + TIMEOUT }],
    ['node online but not Ready within the timeout: unknown, until the eviction', ownedBy('Deployment', 'n1'), context([notReadyNode], { status: ready }), { availability: 'unknown', changesAtMs: NOW - 1_000 + TIMEOUT }],
    ['node not heard since start: unknown, with no eviction (it falls overdue first)', ownedBy('Deployment', 'n1'), context([unheard], { status: ready }), { availability: 'unknown' }],
    [
      'node offline for longer than the timeout: lost',
      ownedBy('Deployment', 'n1'),
      context([offline], { since: longAgo, status: ready }),
      { availability: 'lost', lost: { node: 'n1', reason: 'NodeUnreachable', message: 'node n1 unreachable for longer than --eviction-timeout 2m0s' } },
    ],
    [
      'node not Ready for longer than the timeout: lost',
      ownedBy('Deployment', 'n1'),
      context([notReadyNode], { since: longAgo }),
      { availability: 'lost', lost: { node: 'n1', reason: 'NodeNotReady', message: 'node n1 not ready for longer than --eviction-timeout 2m0s' } },
    ],
    [
      'the pod tolerates unreachable for ever: unknown for ever',
      ownedBy('Deployment', 'n1', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] }),
      context([offline], { since: longAgo }),
      { availability: 'unknown' },
    ],
    [
      'the pod tolerates unreachable for 10 minutes: unknown past the timeout',
      ownedBy('Deployment', 'n1', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 }] }),
      context([offline], { since: longAgo }),
      { availability: 'unknown', changesAtMs: longAgo + 600_000 },
    ],
    [
      'a removed node: lost at once',
      ownedBy('Deployment', 'n1'),
      context([gone]),
      { availability: 'lost', lost: { node: 'n1', reason: 'NodeRemoved', message: 'node n1 was removed from the fleet (its status was cleared)' } },
    ],
    [
      'an untolerated NoExecute taint on a Ready node: lost at once, though the pod runs Ready',
      ownedBy('Deployment', 'n1'),
      context([tainted], { status: ready, taintSince: NOW - 5 }),
      { availability: 'lost', lost: { node: 'n1', reason: 'NoExecuteTaint', message: 'node n1 has untolerated taint {dedicated: gpu}:NoExecute' } },
    ],
    [
      'a NoExecute taint tolerated for a minute: ready until then',
      ownedBy('Deployment', 'n1', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }),
      context([tainted], { status: ready, taintSince: NOW - 5 }),
      { availability: 'ready', changesAtMs: NOW - 5 + 60_000 },
    ],
    [
      'evicted earlier (evictedAt), node offline on clocks started again (a restarted coordinator): still lost',
      { ...ownedBy('Deployment', 'n1'), evictedAt: '2026-01-01T00:00:00.000Z' },
      context([offline], { status: ready }),
      { availability: 'lost', lost: { node: 'n1', reason: 'Evicted', message: 'evicted at 2026-01-01T00:00:00.000Z and node n1 is not back' } },
    ],
    [
      'evicted earlier, node not heard from since start: still lost',
      { ...ownedBy('Deployment', 'n1'), evictedAt: '2026-01-01T00:00:00.000Z' },
      context([unheard], { status: ready }),
      { availability: 'lost', lost: { node: 'n1', reason: 'Evicted', message: 'evicted at 2026-01-01T00:00:00.000Z and node n1 is not back' } },
    ],
    [
      'evicted earlier, node Ready by its retained status alone (not heard live since start): still lost',
      { ...ownedBy('Deployment', 'n1'), evictedAt: '2026-01-01T00:00:00.000Z' },
      context([online], { status: ready, live: false }),
      { availability: 'lost', lost: { node: 'n1', reason: 'Evicted', message: 'evicted at 2026-01-01T00:00:00.000Z and node n1 is not back' } },
    ],
    ['evicted earlier, node back and Ready: judged by its current report again', { ...ownedBy('Deployment', 'n1'), evictedAt: '2026-01-01T00:00:00.000Z' }, context([online], { status: ready }), { availability: 'ready' }],
    [
      'evicted earlier for a NoExecute taint still tolerated for a while: still lost',
      { ...ownedBy('Deployment', 'n1', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }), evictedAt: '2026-01-01T00:00:00.000Z' },
      context([tainted], { status: ready, taintSince: NOW - 5 }),
      { availability: 'lost', lost: { node: 'n1', reason: 'Evicted', message: 'evicted at 2026-01-01T00:00:00.000Z and node n1 is not back' } },
    ],
    [
      'a NoExecute taint tolerated for a minute, the pod bound after the taint came: its minute counts from its arrival',
      ownedBy('Deployment', 'n1', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }),
      context([tainted], { status: ready, taintSince: NOW - 3_600_000, boundSince: NOW - 5 }),
      { availability: 'ready', changesAtMs: NOW - 5 + 60_000 },
    ],
    ['a DaemonSet pod is never lost: unknown on a node long offline', ownedBy('DaemonSet', 'n1'), context([offline], { since: longAgo }), { availability: 'unknown' }],
    ['a DaemonSet pod on a removed node: unknown (its controller removes it)', ownedBy('DaemonSet', 'n1'), context([gone]), { availability: 'unknown' }],
    ['a DaemonSet pod under an untolerated NoExecute taint: judged by its report', ownedBy('DaemonSet', 'n1'), context([tainted], { status: ready, taintSince: 0 }), { availability: 'ready' }],
    ['a pod without a controller is not evicted: unknown on a node long offline', ownedBy(undefined, 'n1'), context([offline], { since: longAgo }), { availability: 'unknown' }],
    ['a pod without a controller on a removed node: unknown', ownedBy(undefined, 'n1'), context([gone]), { availability: 'unknown' }],
  ])('%s', (_what, subject, ctx, expected) => {
    expect(podAvailability(subject, ctx)).toEqual(expected);
  });

  it('turns lost exactly at the moment it said it would change', () => {
    const subject = ownedBy('Deployment', 'n1');
    const before = podAvailability(subject, context([offline], { status: ready }));
    expect(before.availability).toBe('unknown');
    const at = before.changesAtMs ?? Number.NaN;
    expect(podAvailability(subject, { ...context([offline], { status: ready }), nowMs: at - 1 }).availability).toBe('unknown');
    expect(podAvailability(subject, { ...context([offline], { status: ready }), nowMs: at }).availability).toBe('lost');
  });
});

describe('earliestChange', () => {
  it('is the earliest moment any verdict changes, or undefined', () => {
    expect(earliestChange([])).toBeUndefined();
    expect(earliestChange([{ availability: 'ready' }, { availability: 'unknown', changesAtMs: 9 }, { availability: 'ready', changesAtMs: 4 }])).toBe(4);
  });
});
