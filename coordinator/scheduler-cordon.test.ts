import { describe, expect, it } from 'vitest';
import { reconcileDaemonSet } from './controllers/daemonset.js';
import { viewNode } from './node-view.js';
import { Reasons, schedule, unfitReasons } from './scheduler.js';
import { daemonSet, nodeStatus, pod, spec, testEntropy } from './test-fixtures.js';

/** A cordoned node takes no new pods (kube-scheduler's NodeUnschedulable filter); DaemonSets ignore cordon. */

const cordoned = (name: string) => viewNode(name, nodeStatus(name), false, true);
const open = (name: string) => viewNode(name, nodeStatus(name), false);

describe('the cordon filter', () => {
  it("keeps a pod off a cordoned node with kube-scheduler's reason", () => {
    expect(Reasons.unschedulable).toBe('node(s) were unschedulable');
    expect(unfitReasons(pod('p'), cordoned('n1'))).toEqual(['node(s) were unschedulable']);
    expect(unfitReasons(pod('p'), open('n1'))).toEqual([]);
  });

  it('lets through a pod that tolerates node.kubernetes.io/unschedulable:NoSchedule', () => {
    const tolerant = pod('p', { spec: spec({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }) });
    expect(unfitReasons(tolerant, cordoned('n1'))).toEqual([]);
    const other = pod('p', { spec: spec({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }) });
    expect(unfitReasons(other, cordoned('n1'))).toEqual([Reasons.unschedulable]);
  });

  it('comes after offline and not-ready, before the node name and the other filters', () => {
    expect(unfitReasons(pod('p'), viewNode('n1', nodeStatus('n1', { ready: false }), false, true))).toEqual([Reasons.notReady]);
    expect(unfitReasons(pod('p', { spec: spec({ nodeName: 'other' }) }), cordoned('n1'))).toEqual([Reasons.unschedulable]);
  });

  it('places every new pod on the nodes left, and counts the cordoned one in the message', () => {
    const result = schedule({ nodes: [cordoned('a'), open('b')], bound: [], pending: [pod('p1'), pod('p2')] });
    expect([...result.bindings.values()]).toEqual(['b', 'b']);
    const none = schedule({ nodes: [cordoned('a'), cordoned('b')], bound: [], pending: [pod('p1')] });
    expect(none.unschedulable.get('p1')).toBe('0/2 nodes are available: 2 node(s) were unschedulable.');
  });

  it('does not move the pods already bound there', () => {
    const result = schedule({ nodes: [cordoned('a'), open('b')], bound: [pod('old', { nodeName: 'a' })], pending: [] });
    expect(result.bindings.size).toBe(0);
  });

  it('is ignored by DaemonSets, which still place and keep their pod on a cordoned node', () => {
    const ds = daemonSet('agent');
    const placed = reconcileDaemonSet({ daemonSet: ds, pods: [], nodes: [cordoned('a'), open('b')], takenNames: new Set(), entropy: testEntropy(), availability: () => 'ready' });
    expect(placed.create.map((p) => p.nodeName).sort()).toEqual(['a', 'b']);
    const kept = reconcileDaemonSet({ daemonSet: ds, pods: placed.create, nodes: [cordoned('a'), cordoned('b')], takenNames: new Set(), entropy: testEntropy(), availability: () => 'ready' });
    expect(kept).toEqual({ create: [], delete: [] });
  });
});
