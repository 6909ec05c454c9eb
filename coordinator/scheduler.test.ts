import { describe, expect, it } from 'vitest';
import { Reasons, schedule, unfitReasons, unschedulableMessage } from './scheduler.js';
import { node, pod, spec, specRequesting } from './test-fixtures.js';

describe('schedule', () => {
  it('binds a pod to the only ready node', () => {
    const result = schedule({ nodes: [node('a')], bound: [], pending: [pod('p')] });
    expect(result.bindings).toEqual(new Map([['p', 'a']]));
    expect(result.unschedulable.size).toBe(0);
  });

  it('spreads the pods of one owner over the nodes', () => {
    const pending = ['p1', 'p2', 'p3', 'p4'].map((name) => pod(name, { ownerUid: 'web' }));
    const result = schedule({ nodes: [node('a'), node('b')], bound: [], pending });
    const perNode = [...result.bindings.values()].reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
    expect(perNode).toEqual(new Map([['a', 2], ['b', 2]]));
  });

  it('counts pods already bound when spreading', () => {
    const bound = [pod('old1', { ownerUid: 'web', nodeName: 'a' }), pod('old2', { ownerUid: 'web', nodeName: 'a' })];
    const result = schedule({ nodes: [node('a'), node('b')], bound, pending: [pod('p1', { ownerUid: 'web' }), pod('p2', { ownerUid: 'web' })] });
    expect([...result.bindings.values()]).toEqual(['b', 'b']);
  });

  it('prefers the least allocated node for pods of different owners', () => {
    const bound = [pod('big', { nodeName: 'a', spec: specRequesting({ cpu: '2', memory: '2Gi' }) })];
    const result = schedule({ nodes: [node('a'), node('b')], bound, pending: [pod('p')] });
    expect(result.bindings.get('p')).toBe('b');
  });

  it('accounts resources of pods placed earlier in the same pass', () => {
    const pending = ['p1', 'p2', 'p3'].map((name) => pod(name, { spec: specRequesting({ memory: '1Gi' }) }));
    const result = schedule({ nodes: [node('a', { memory: '2Gi' })], bound: [], pending });
    expect(result.bindings).toEqual(new Map([['p1', 'a'], ['p2', 'a']]));
    expect(result.unschedulable.get('p3')).toBe('0/1 nodes are available: 1 Insufficient memory.');
  });

  it('treats limits as requests when no request is given', () => {
    const limited = spec({ containers: [{ name: 'app', image: 'busybox:1', resources: { limits: { cpu: '3' } } }] });
    const bound = [pod('b', { nodeName: 'a', spec: limited })];
    expect(unfitReasons(pod('p', { spec: limited }), node('a', { cpu: '4' }))).toEqual([]);
    const result = schedule({ nodes: [node('a', { cpu: '4' })], bound, pending: [pod('p', { spec: limited })] });
    expect(result.unschedulable.get('p')).toBe('0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('sums the requests of every container', () => {
    const twoContainers = spec({
      containers: [
        { name: 'a', image: 'busybox:1', resources: { requests: { memory: '600Mi' } } },
        { name: 'b', image: 'busybox:1', resources: { requests: { memory: '600Mi' } } },
      ],
    });
    expect(unfitReasons(pod('p', { spec: twoContainers }), node('n', { memory: '1Gi' }))).toEqual([Reasons.memory]);
  });

  it('keeps to spec.nodeName', () => {
    const result = schedule({ nodes: [node('a'), node('b'), node('c')], bound: [], pending: [pod('p', { spec: spec({ nodeName: 'c' }) })] });
    expect(result.bindings.get('p')).toBe('c');
    const none = schedule({ nodes: [node('a'), node('b')], bound: [], pending: [pod('p', { spec: spec({ nodeName: 'z' }) })] });
    expect(none.unschedulable.get('p')).toBe("0/2 nodes are available: 2 node(s) didn't match the requested node name.");
  });

  it('matches nodeSelector against node labels', () => {
    const selecting = pod('p', { spec: spec({ nodeSelector: { disk: 'ssd' } }) });
    const result = schedule({ nodes: [node('a'), node('b', { labels: { disk: 'ssd' } })], bound: [], pending: [selecting] });
    expect(result.bindings.get('p')).toBe('b');
  });

  it('refuses a hostPort already taken on the node, on the same protocol', () => {
    const withPort = (name: string, port: number, protocol = 'TCP') =>
      pod(name, { spec: spec({ containers: [{ name: 'app', image: 'busybox:1', ports: [{ containerPort: 80, hostPort: port, protocol }] }] }) });
    const bound = [{ ...withPort('web1', 8080), nodeName: 'a' }];
    const result = schedule({ nodes: [node('a'), node('b')], bound, pending: [withPort('web2', 8080), withPort('udp', 8080, 'UDP')] });
    expect(result.bindings.get('web2')).toBe('b');
    expect(unfitReasons(withPort('web3', 8080), node('a'), undefined)).toEqual([]);
    const single = schedule({ nodes: [node('a')], bound, pending: [withPort('web2', 8080), withPort('udp', 8080, 'UDP')] });
    expect(single.unschedulable.get('web2')).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
    expect(single.bindings.get('udp')).toBe('a');
  });

  it('counts the container ports of a hostNetwork pod as host ports', () => {
    const hostNet = (name: string) => pod(name, { spec: spec({ hostNetwork: true, containers: [{ name: 'app', image: 'busybox:1', ports: [{ containerPort: 9100 }] }] }) });
    const withPort = pod('web', { spec: spec({ containers: [{ name: 'app', image: 'busybox:1', ports: [{ containerPort: 80, hostPort: 9100 }] }] }) });
    const result = schedule({ nodes: [{ ...node('a'), allows: { privileged: false, hostNetwork: true, hostPaths: [], devices: [] } }], bound: [{ ...hostNet('exporter'), nodeName: 'a' }], pending: [hostNet('exporter2'), withPort] });
    expect(result.unschedulable.get('exporter2')).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
    expect(result.unschedulable.get('web')).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
  });

  it('spreads pods with the same hostPort one per node', () => {
    const withPort = (name: string) =>
      pod(name, { ownerUid: 'web', spec: spec({ containers: [{ name: 'app', image: 'busybox:1', ports: [{ containerPort: 80, hostPort: 80 }] }] }) });
    const result = schedule({ nodes: [node('a'), node('b')], bound: [], pending: [withPort('p1'), withPort('p2'), withPort('p3')] });
    expect(new Set([result.bindings.get('p1'), result.bindings.get('p2')])).toEqual(new Set(['a', 'b']));
    expect(result.unschedulable.get('p3')).toBe("0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  });

  it('never places pods on offline or not-ready nodes', () => {
    const nodes = [node('down', { state: 'offline' }), node('sick', { ready: false })];
    const result = schedule({ nodes, bound: [], pending: [pod('p')] });
    expect(result.unschedulable.get('p')).toBe('0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were offline.');
  });

  it('respects the pods allocatable', () => {
    const bound = [pod('one', { nodeName: 'a' })];
    expect(schedule({ nodes: [node('a', { pods: '1' })], bound, pending: [pod('p')] }).unschedulable.get('p')).toBe(
      '0/1 nodes are available: 1 Too many pods.',
    );
  });

  it('summarises the reasons over all nodes, in kube-scheduler\'s string order', () => {
    const nodes = [node('a', { memory: '1Gi' }), node('b', { memory: '1Gi' }), node('c', { memory: '8Gi', labels: {} })];
    const wanting = pod('p', { spec: specRequesting({ memory: '2Gi' }, { nodeSelector: { zone: 'x' } }) });
    const labelled = [node('a', { memory: '1Gi', labels: { zone: 'x' } }), node('b', { memory: '1Gi', labels: { zone: 'x' } }), nodes[2]!];
    const result = schedule({ nodes: labelled, bound: [], pending: [wanting] });
    expect(result.unschedulable.get('p')).toBe("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory.");
  });

  it('reports every resource a node lacks', () => {
    const wanting = pod('p', { spec: specRequesting({ cpu: '8', memory: '8Gi' }) });
    expect(unfitReasons(wanting, node('a'))).toEqual([Reasons.cpu, Reasons.memory]);
    expect(schedule({ nodes: [node('a')], bound: [], pending: [wanting] }).unschedulable.get('p')).toBe(
      '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.',
    );
  });

  it('says so when there are no nodes at all', () => {
    const result = schedule({ nodes: [], bound: [], pending: [pod('p')] });
    expect(result.unschedulable.get('p')).toBe('0/0 nodes are available: no nodes available to schedule pods.');
  });

  it('does not limit what a node does not report', () => {
    const bare = { name: 'bare', presence: 'online' as const, ready: true, labels: {}, allocatable: {} };
    expect(unfitReasons(pod('p', { spec: specRequesting({ cpu: '64', memory: '1Ti' }) }), bare)).toEqual([]);
  });
});

describe('unschedulableMessage', () => {
  it('orders "COUNT REASON" as plain strings, as kube-scheduler does', () => {
    const counts = new Map([['Insufficient memory', 1], ['Insufficient cpu', 1], [Reasons.selector, 2]]);
    expect(unschedulableMessage(4, counts)).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.",
    );
  });
});
