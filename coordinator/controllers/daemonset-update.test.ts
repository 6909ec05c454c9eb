import { describe, expect, it } from 'vitest';
import { daemonSetUpdateStrategySchema } from '../../protocol/manifest-daemonset.js';
import type { NodeView } from '../node-view.js';
import type { StoredDaemonSet, StoredPod } from '../state.js';
import { daemonSet, node, nodeGoneOffline, testEntropy } from '../test-fixtures.js';
import { reconcileDaemonSet } from './daemonset.js';
import type { PodAvailability } from './owned.js';

/** A DaemonSet's rolling update as passes of the controller, with the pods' readiness given per pass. */

const v1 = daemonSet('agent');
const v2 = daemonSet('agent', { podSpec: { containers: [{ name: 'app', image: 'busybox:2' }] } });

function withStrategy(ds: StoredDaemonSet, updateStrategy: unknown): StoredDaemonSet {
  return { ...ds, spec: { ...ds.spec, updateStrategy: daemonSetUpdateStrategySchema.parse(updateStrategy) } };
}

function run(ds: StoredDaemonSet, nodes: NodeView[], pods: StoredPod[], availability: (pod: StoredPod) => PodAvailability = () => 'ready') {
  return reconcileDaemonSet({ daemonSet: ds, pods, nodes, takenNames: new Set(pods.map((p) => p.metadata.name)), entropy: testEntropy(), availability });
}

/** The pods after a pass: deleted ones gone, created ones added. */
function after(pods: StoredPod[], result: ReturnType<typeof run>): StoredPod[] {
  return [...pods.filter((p) => !result.delete.includes(p.metadata.name)), ...result.create];
}

const image = (pod: StoredPod): string | undefined => pod.spec.containers[0]?.image;
const byNode = (pods: StoredPod[]): string[] => pods.map((p) => `${p.nodeName}:${image(p)}`).sort();

describe('a DaemonSet rolling update', () => {
  const nodes = [node('a'), node('b'), node('c')];
  const old = run(v1, nodes, []).create;

  it('replaces one Ready node at a time, waiting for the new pod to be Ready before the next', () => {
    const first = run(v2, nodes, old);
    let pods = after(old, first);
    expect(byNode(pods)).toEqual(['a:busybox:2', 'b:busybox:1', 'c:busybox:1']);
    // The new pod on a is not Ready yet: nothing else moves, however many passes.
    const notReadyNew = (p: StoredPod): PodAvailability => (image(p) === 'busybox:2' ? 'notReady' : 'ready');
    expect(run(v2, nodes, pods, notReadyNew)).toEqual({ create: [], delete: [] });
    pods = after(pods, run(v2, nodes, pods));
    expect(byNode(pods)).toEqual(['a:busybox:2', 'b:busybox:2', 'c:busybox:1']);
    pods = after(pods, run(v2, nodes, pods));
    expect(byNode(pods)).toEqual(['a:busybox:2', 'b:busybox:2', 'c:busybox:2']);
    expect(run(v2, nodes, pods)).toEqual({ create: [], delete: [] });
  });

  it('replaces an old pod that is not Ready at once; being unavailable already, it keeps the Ready ones back', () => {
    const sick = old.find((p) => p.nodeName === 'c')!;
    const result = run(v2, nodes, old, (p) => (p === sick ? 'notReady' : 'ready'));
    expect(result.delete).toEqual([sick.metadata.name]);
    const two = withStrategy(v2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } });
    expect(run(two, nodes, old, (p) => (p === sick ? 'notReady' : 'ready')).delete.sort()).toEqual([old.find((p) => p.nodeName === 'a')!.metadata.name, sick.metadata.name].sort());
  });

  it('counts a node that should run the pod but has none as unavailable', () => {
    const withNew = [...nodes, node('d')];
    const result = run(v2, withNew, old);
    expect(result.delete).toEqual([]);
    expect(result.create.map((p) => p.nodeName)).toEqual(['d']);
  });

  it('takes maxUnavailable as a count or as a percentage of the nodes, rounded up', () => {
    expect(run(withStrategy(v2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } }), nodes, old).delete).toHaveLength(2);
    expect(run(withStrategy(v2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } }), nodes, old).delete).toHaveLength(2);
    expect(run(withStrategy(v2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } }), nodes, old).delete).toHaveLength(1);
  });

  it('leaves old pods alone with OnDelete, and gives a node without a pod the new template', () => {
    const onDelete = withStrategy(v2, { type: 'OnDelete' });
    expect(run(onDelete, nodes, old)).toEqual({ create: [], delete: [] });
    const gap = old.filter((p) => p.nodeName !== 'b');
    expect(byNode(after(gap, run(onDelete, nodes, gap)))).toEqual(['a:busybox:1', 'b:busybox:2', 'c:busybox:1']);
  });

  it('is not held up by a node that is offline, whose old pod stays until it is back', () => {
    const down = [nodeGoneOffline('a'), node('b'), node('c')];
    const unknownOnA = (p: StoredPod): PodAvailability => (p.nodeName === 'a' ? 'unknown' : 'ready');
    let pods = after(old, run(v2, down, old, unknownOnA));
    expect(byNode(pods)).toEqual(['a:busybox:1', 'b:busybox:2', 'c:busybox:1']);
    pods = after(pods, run(v2, down, pods, unknownOnA));
    expect(byNode(pods)).toEqual(['a:busybox:1', 'b:busybox:2', 'c:busybox:2']);
    expect(run(v2, down, pods, unknownOnA)).toEqual({ create: [], delete: [] });
    expect(byNode(after(pods, run(v2, nodes, pods)))).toEqual(['a:busybox:2', 'b:busybox:2', 'c:busybox:2']);
  });
});
