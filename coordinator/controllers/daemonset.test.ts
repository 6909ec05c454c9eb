import { describe, expect, it } from 'vitest';
import type { NodeView } from '../node-view.js';
import { podTemplateHash } from '../pod-names.js';
import type { StoredPod } from '../state.js';
import { daemonSet, node, nodeGoneOffline, testEntropy } from '../test-fixtures.js';
import { daemonSetCoverage, reconcileDaemonSet, REVISION_HASH_LABEL } from './daemonset.js';

const agents = daemonSet('agent', { podSpec: { nodeSelector: { role: 'edge' } } });

function run(nodes: NodeView[], pods: StoredPod[], ds = agents) {
  return reconcileDaemonSet({ daemonSet: ds, pods, nodes, takenNames: new Set(pods.map((p) => p.metadata.name)), entropy: testEntropy(), availability: () => 'ready' });
}

const edge = (name: string, options: Parameters<typeof node>[1] = {}) => node(name, { labels: { role: 'edge' }, ...options });

/** The pods the controller makes for `nodes`, as if a previous pass had created them. */
function podsFor(nodes: NodeView[], ds = agents): StoredPod[] {
  return run(nodes, [], ds).create;
}

const unheard = (name: string): NodeView => ({ name, presence: 'unheard', ready: false, labels: {}, allocatable: {} });
const gone = (name: string): NodeView => ({ name, presence: 'gone', ready: false, labels: {}, allocatable: {} });

describe('reconcileDaemonSet', () => {
  it('puts one pod, bound directly, on each online node that matches the selector', () => {
    const result = run([edge('a'), edge('b'), node('other')], []);
    expect(result.delete).toEqual([]);
    expect(result.create.map((p) => [p.metadata.name, p.nodeName, p.spec.nodeName])).toEqual([
      ['agent-s0001', 'a', 'a'],
      ['agent-s0002', 'b', 'b'],
    ]);
    const first = result.create[0]!;
    expect(first.metadata.labels).toEqual({ app: 'agent', [REVISION_HASH_LABEL]: podTemplateHash(agents.spec.template) });
    expect(first.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-agent' }]);
  });

  it('is idle when every matching node has its pod', () => {
    const nodes = [edge('a'), edge('b')];
    expect(run(nodes, podsFor(nodes))).toEqual({ create: [], delete: [] });
  });

  it('adds a pod when a node joins and removes it when the node stops matching', () => {
    const before = [edge('a')];
    const pods = podsFor(before);
    const joined = run([edge('a'), edge('b')], pods);
    expect(joined.create.map((p) => p.nodeName)).toEqual(['b']);
    expect(joined.delete).toEqual([]);
    const relabelled = run([node('a', { labels: { role: 'core' } })], pods);
    expect(relabelled).toEqual({ create: [], delete: [pods[0]!.metadata.name] });
  });

  it('removes the pod of a node that left the fleet (status cleared)', () => {
    const pods = podsFor([edge('a'), edge('b')]);
    const result = run([edge('a'), gone('b')], pods);
    expect(result.delete).toEqual([pods.find((p) => p.nodeName === 'b')!.metadata.name]);
    expect(result.create).toEqual([]);
  });

  it('keeps a bound pod on an offline node, and on a node not heard from since a restart', () => {
    const pods = podsFor([edge('a'), edge('b'), edge('c')]);
    // 'a': the will as the coordinator first hears it (no labels); 'b': seen online, then its will.
    expect(run([edge('a', { state: 'offline' }), nodeGoneOffline('b', { labels: { role: 'edge' } }), unheard('c')], pods)).toEqual({ create: [], delete: [] });
  });

  it('keeps the pod of an offline node whose last known labels no longer match; drops it once the node is back online without them', () => {
    const pods = podsFor([edge('a')]);
    expect(run([nodeGoneOffline('a', { labels: { role: 'core' } })], pods)).toEqual({ create: [], delete: [] });
    expect(run([node('a', { labels: { role: 'core' } })], pods)).toEqual({ create: [], delete: [pods[0]!.metadata.name] });
  });

  it('does not start a pod on an offline or not-ready node', () => {
    const offline = [edge('a', { state: 'offline' }), nodeGoneOffline('c', { labels: { role: 'edge' } })];
    expect(run([...offline, edge('b', { ready: false })], [])).toEqual({ create: [], delete: [] });
  });

  it('replaces a pod of an older template with the new one, one node at a time by default', () => {
    const nodes = [edge('a'), edge('b')];
    const old = podsFor(nodes);
    const changed = daemonSet('agent', { podSpec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'app', image: 'busybox:2' }] } });
    const result = run(nodes, old, changed);
    expect(result.delete).toEqual([old.find((p) => p.nodeName === 'a')!.metadata.name]);
    expect(result.create.map((p) => [p.nodeName, p.spec.containers[0]?.image])).toEqual([['a', 'busybox:2']]);
  });

  it('keeps one pod per node when it finds two', () => {
    const nodes = [edge('a')];
    const first = podsFor(nodes)[0]!;
    const second = { ...first, metadata: { ...first.metadata, name: 'agent-extra', uid: 'uid-extra', creationTimestamp: '2025-06-01T00:00:00.000Z' } };
    expect(run(nodes, [first, second])).toEqual({ create: [], delete: ['agent-extra'] });
  });
});

describe('daemonSetCoverage', () => {
  it('counts the nodes the selector picks, not the pods, and those of them with a pod', () => {
    const nodes = [edge('a'), edge('b'), node('other'), edge('sick', { ready: false })];
    const pods = podsFor([edge('a')]);
    // a, b and sick should run it (sick once it is ready); only a has its pod so far.
    expect(daemonSetCoverage(agents, nodes, pods)).toEqual({ desired: 3, scheduled: 1 });
    expect(daemonSetCoverage(agents, nodes, [])).toEqual({ desired: 3, scheduled: 0 });
    expect(daemonSetCoverage(agents, [node('other')], [])).toEqual({ desired: 0, scheduled: 0 });
  });

  it('counts an offline node by its retained labels, and any node keeping its pod; not a node that left', () => {
    const pods = podsFor([edge('a'), edge('b'), edge('c'), edge('d')]);
    const nodes = [nodeGoneOffline('a', { labels: { role: 'edge' } }), edge('b', { state: 'offline' }), unheard('c'), gone('d'), nodeGoneOffline('e', { labels: { role: 'edge' } })];
    expect(daemonSetCoverage(agents, nodes, pods)).toEqual({ desired: 4, scheduled: 3 });
  });

  it('counts every known node for a DaemonSet without a selector', () => {
    const everywhere = daemonSet('everywhere');
    expect(daemonSetCoverage(everywhere, [node('a'), node('b'), gone('c')], podsFor([node('a')], everywhere))).toEqual({ desired: 2, scheduled: 1 });
  });
});
