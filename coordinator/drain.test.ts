import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../protocol/messages.js';
import { cordonNode } from './cordon.js';
import { drainNode, planDrain } from './drain.js';
import { reconcile, type Observations } from './reconcile.js';
import { emptyState, type CoordinatorState, type StoredPod } from './state.js';
import { daemonSet, deployment, nodeStatus, pod, testEntropy } from './test-fixtures.js';

function observing(...statuses: NodeStatus[]): Observations {
  return { nodeStatuses: new Map(statuses.map((s) => [s.node, s])), goneNodes: new Set(), podStatus: () => undefined };
}

function daemonPod(name: string, nodeName: string): StoredPod {
  const p = pod(name, { nodeName });
  return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-agent' }] } };
}

describe('planDrain', () => {
  const web = pod('web-1', { nodeName: 'a', ownerUid: 'uid-web' });
  const ds = daemonPod('agent-1', 'a');
  const bare = pod('solo', { nodeName: 'a' });

  it.each<[string, StoredPod[], boolean, { evict: string[]; ignore: string[]; unmanaged: string[]; refuse: boolean }]>([
    ['an empty node', [], false, { evict: [], ignore: [], unmanaged: [], refuse: false }],
    ['Deployment pods go, DaemonSet pods stay', [ds, web], false, { evict: ['web-1'], ignore: ['agent-1'], unmanaged: [], refuse: false }],
    ['a bare pod refuses the drain', [web, bare, ds], false, { evict: ['web-1'], ignore: ['agent-1'], unmanaged: ['solo'], refuse: true }],
    ['force evicts the bare pod too', [web, bare, ds], true, { evict: ['solo', 'web-1'], ignore: ['agent-1'], unmanaged: ['solo'], refuse: false }],
  ])('%s', (_, pods, force, expected) => {
    expect(planDrain(pods, force)).toEqual(expected);
  });
});

describe('cordonNode', () => {
  const observed = observing(nodeStatus('a'));

  it('sets the flag on the stored node, and changes nothing the second time', () => {
    const first = cordonNode(emptyState(), observed, 'a', true, testEntropy());
    expect(first).toMatchObject({ ok: true, result: { node: 'a', unschedulable: true, changed: true } });
    if (!first.ok || first.state === undefined) throw new Error('expected a new state');
    expect(first.state.nodes.a).toMatchObject({ name: 'a', unschedulable: true });
    const again = cordonNode(first.state, observed, 'a', true, testEntropy());
    expect(again).toEqual({ ok: true, result: { node: 'a', unschedulable: true, changed: false } });
  });

  it('uncordon removes the field, leaving the record as before', () => {
    const state: CoordinatorState = { ...emptyState(), nodes: { a: { name: 'a', uid: 'u', creationTimestamp: 't', generation: 3, unschedulable: true } } };
    const out = cordonNode(state, observed, 'a', false, testEntropy());
    expect(out).toMatchObject({ ok: true, result: { changed: true } });
    if (!out.ok) throw new Error('expected ok');
    expect(out.state?.nodes.a).toEqual({ name: 'a', uid: 'u', creationTimestamp: 't', generation: 3 });
    expect(cordonNode(emptyState(), observed, 'a', false, testEntropy())).toMatchObject({ ok: true, result: { changed: false } });
  });

  it('refuses a node it does not know, or one removed from the fleet', () => {
    expect(cordonNode(emptyState(), observed, 'nope', true, testEntropy())).toEqual({ ok: false, message: 'Node "nope" not found' });
    const state: CoordinatorState = { ...emptyState(), nodes: { b: { name: 'b', uid: 'u', creationTimestamp: 't', generation: 1 } } };
    expect(cordonNode(state, observing(), 'b', true, testEntropy()).ok).toBe(true);
    expect(cordonNode(state, { ...observing(), goneNodes: new Set(['b']) }, 'b', true, testEntropy()).ok).toBe(false);
  });
});

describe('drainNode', () => {
  const entropy = testEntropy();
  const observed = observing(nodeStatus('a'), nodeStatus('b'));

  /** Two web replicas and a DaemonSet pod on `a`, as a control-loop pass leaves them. */
  function fleet(extra: Record<string, StoredPod> = {}): CoordinatorState {
    const state: CoordinatorState = {
      ...emptyState(),
      deployments: { web: deployment('web', 2) },
      daemonSets: { agent: daemonSet('agent') },
    };
    const settled = reconcile(state, observing(nodeStatus('a')), entropy).state;
    return { ...settled, pods: { ...settled.pods, ...extra } };
  }

  it('cordons the node and deletes its Deployment pods; the next pass recreates them on the other node', () => {
    const before = fleet();
    const onA = Object.values(before.pods).filter((p) => p.nodeName === 'a');
    expect(onA).toHaveLength(3);
    const out = drainNode(before, observed, 'a', false, entropy);
    if (!out.ok) throw new Error(out.message);
    expect(out.result.evicted).toHaveLength(2);
    expect(out.result.ignored).toEqual([expect.stringMatching(/^agent-/)]);
    expect(out.state.nodes.a?.unschedulable).toBe(true);

    const after = reconcile(out.state, observed, entropy).state;
    const webPods = Object.values(after.pods).filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'Deployment');
    expect(webPods.map((p) => p.nodeName)).toEqual(['b', 'b']);
    expect(Object.values(after.pods).filter((p) => p.nodeName === 'a').map((p) => p.metadata.name)).toEqual(out.result.ignored);
  });

  it('refuses while a bare pod is there, changing nothing, and deletes it with force', () => {
    const before = fleet({ solo: pod('solo', { nodeName: 'a' }) });
    expect(drainNode(before, observed, 'a', false, entropy)).toEqual({
      ok: false,
      code: 'Invalid',
      message: 'cannot delete Pods that declare no controller (use --force to override): default/solo',
    });
    const forced = drainNode(before, observed, 'a', true, entropy);
    if (!forced.ok) throw new Error(forced.message);
    expect(forced.result.evicted).toContain('solo');
    expect(forced.state.pods.solo).toBeUndefined();
  });

  it('reports an unknown node as not found', () => {
    expect(drainNode(fleet(), observed, 'nope', false, entropy)).toEqual({ ok: false, code: 'NotFound', message: 'Node "nope" not found' });
  });
});
