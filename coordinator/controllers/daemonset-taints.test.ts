import { describe, expect, it } from 'vitest';
import type { Taint } from '../../protocol/manifest-scheduling.js';
import type { NodeView } from '../node-view.js';
import type { StoredPod } from '../state.js';
import { daemonSet, node, testEntropy } from '../test-fixtures.js';
import { daemonSetCoverage, reconcileDaemonSet } from './daemonset.js';

/** DaemonSet placement with the scheduler's predicates: taints, tolerations, node affinity and what a node allows. */

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const evicting: Taint = { key: 'maintenance', effect: 'NoExecute' };
const plain = daemonSet('exporter');
const tolerant = daemonSet('exporter', { podSpec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } });
const armOnly = daemonSet('exporter', {
  podSpec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }] } } } },
});

function run(ds: typeof plain, nodes: NodeView[], pods: StoredPod[] = []) {
  return reconcileDaemonSet({ daemonSet: ds, pods, nodes, takenNames: new Set(pods.map((p) => p.metadata.name)), entropy: testEntropy(), availability: () => 'ready' });
}

const onHostNetwork = daemonSet('exporter', { podSpec: { hostNetwork: true } });
const allowsHostNetwork = { privileged: false, hostNetwork: true, hostPaths: [], devices: [] };

const placed = (ds: typeof plain, nodes: NodeView[]) => run(ds, nodes).create.map((p) => p.nodeName);

describe('DaemonSet placement with taints and node affinity', () => {
  it.each<[string, typeof plain, NodeView[], string[]]>([
    ['skips a node whose NoSchedule taint the pod does not tolerate', plain, [node('a'), node('gpu', { taints: [gpu] })], ['a']],
    ['skips a node with an untolerated NoExecute taint', plain, [node('a'), node('m', { taints: [evicting] })], ['a']],
    ['ignores PreferNoSchedule', plain, [node('a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })], ['a']],
    ['places on a tainted node the pod tolerates', tolerant, [node('a'), node('gpu', { taints: [gpu] })], ['a', 'gpu']],
    ['skips a node that does not allow hostNetwork, or says nothing of what it allows', onHostNetwork, [node('a', { allows: allowsHostNetwork }), node('b'), node('c', { allows: { ...allowsHostNetwork, hostNetwork: false } })], ['a']],
    ['follows required node affinity', armOnly, [node('pi', { labels: { 'kubernetes.io/arch': 'arm64' } }), node('nas', { labels: { 'kubernetes.io/arch': 'amd64' } })], ['pi']],
  ])('%s', (_, ds, nodes, expected) => {
    expect(placed(ds, nodes)).toEqual(expected);
  });

  it('keeps its pod on a node that gains a NoSchedule taint, removes it on an untolerated NoExecute taint', () => {
    const pods = run(plain, [node('a'), node('b')]).create;
    const result = run(plain, [node('a', { taints: [gpu] }), node('b', { taints: [evicting] })], pods);
    expect(result.create).toEqual([]);
    expect(result.delete).toEqual([pods[1]!.metadata.name]);
  });

  it('counts only the nodes it should run on, plus one keeping its pod', () => {
    const pods = run(plain, [node('a')]).create;
    expect(daemonSetCoverage(plain, [node('a', { taints: [gpu] }), node('b', { taints: [gpu] }), node('c')], pods)).toEqual({ desired: 2, scheduled: 1 });
  });
});
