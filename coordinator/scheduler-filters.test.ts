import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../protocol/manifest-scheduling.js';
import { NOTHING_ALLOWED, type NodeAllows } from '../protocol/node-allows.js';
import { viewNode } from './node-view.js';
import { disallowedReason, FILTERED_EFFECTS, firstUntoleratedTaint, matchesNodeAffinity, preferNoScheduleCount, toleratesTaint, untoleratedTaintReason } from './scheduler-filters.js';
import { schedule, unfitReasons } from './scheduler.js';
import { node, pod, spec } from './test-fixtures.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  it.each<[string, Toleration, Taint, boolean]>([
    ['Equal, same key, value and effect', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, gpu, true],
    ['Equal is the default operator', { key: 'dedicated', value: 'gpu' }, gpu, true],
    ['Equal with another value', { key: 'dedicated', value: 'cpu' }, gpu, false],
    ['Equal without a value against a valued taint', { key: 'dedicated' }, gpu, false],
    ['Equal without a value against a taint without one', { key: 'dedicated' }, { key: 'dedicated', effect: 'NoSchedule' }, true],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists' }, gpu, true],
    ['another key', { key: 'other', operator: 'Exists' }, gpu, false],
    ['an empty key with Exists tolerates everything', { operator: 'Exists' }, { key: 'anything', value: 'x', effect: 'NoExecute' }, true],
    ['another effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['an empty effect matches every effect', { key: 'dedicated', operator: 'Exists', effect: '' }, { ...gpu, effect: 'NoExecute' }, true],
  ])('%s', (_, toleration, taint, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('firstUntoleratedTaint', () => {
  const flaky: Taint = { key: 'flaky', effect: 'NoExecute' };
  const soft: Taint = { key: 'soft', value: 'yes', effect: 'PreferNoSchedule' };
  it.each<[string, Taint[] | undefined, Toleration[] | undefined, Taint | undefined]>([
    ['no taints', undefined, undefined, undefined],
    ['an untolerated NoSchedule taint', [gpu], undefined, gpu],
    ['the first of several, in the node order', [flaky, gpu], [], flaky],
    ['the next once the first is tolerated', [flaky, gpu], [{ key: 'flaky', operator: 'Exists' }], gpu],
    ['every taint tolerated', [flaky, gpu], [{ key: 'flaky', operator: 'Exists' }, { key: 'dedicated', value: 'gpu' }], undefined],
    ['PreferNoSchedule never filters', [soft], undefined, undefined],
  ])('%s', (_, taints, tolerations, expected) => {
    expect(firstUntoleratedTaint(taints, tolerations, FILTERED_EFFECTS)).toEqual(expected);
  });

  it('counts the untolerated PreferNoSchedule taints for the score', () => {
    expect(preferNoScheduleCount([soft, gpu, { key: 'b', effect: 'PreferNoSchedule' }], [{ key: 'b', operator: 'Exists' }])).toBe(1);
  });
});

describe('untoleratedTaintReason', () => {
  it('names the taint as kube-scheduler does, an empty value included', () => {
    expect(untoleratedTaintReason(gpu)).toBe('node(s) had untolerated taint {dedicated: gpu}');
    expect(untoleratedTaintReason({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' })).toBe('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }');
  });
});

describe('matchesNodeAffinity', () => {
  const labels = { 'kubernetes.io/arch': 'arm64', disk: 'ssd', camera: 'v2' };
  const required = (...terms: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const term = (...matchExpressions: object[]) => ({ matchExpressions });
  it.each<[string, Record<string, unknown>, boolean]>([
    ['nothing asked', {}, true],
    ['nodeSelector on the arch label', { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, true],
    ['nodeSelector for another arch', { nodeSelector: { 'kubernetes.io/arch': 'amd64' } }, false],
    ['In', required(term({ key: 'kubernetes.io/arch', operator: 'In', values: ['arm', 'arm64'] })), true],
    ['In, no value matching', required(term({ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] })), false],
    ['In on a missing label', required(term({ key: 'gpu', operator: 'In', values: ['x'] })), false],
    ['NotIn', required(term({ key: 'disk', operator: 'NotIn', values: ['sd'] })), true],
    ['NotIn, value listed', required(term({ key: 'disk', operator: 'NotIn', values: ['ssd'] })), false],
    ['NotIn on a missing label', required(term({ key: 'gpu', operator: 'NotIn', values: ['x'] })), true],
    ['Exists', required(term({ key: 'camera', operator: 'Exists' })), true],
    ['Exists on a missing label', required(term({ key: 'gpu', operator: 'Exists' })), false],
    ['DoesNotExist', required(term({ key: 'gpu', operator: 'DoesNotExist' })), true],
    ['DoesNotExist on a present label', required(term({ key: 'camera', operator: 'DoesNotExist' })), false],
    ['expressions in a term are ANDed', required(term({ key: 'camera', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' })), false],
    ['terms are ORed', required(term({ key: 'gpu', operator: 'Exists' }), term({ key: 'camera', operator: 'Exists' })), true],
    ['a term without expressions matches nothing', required({}), false],
    ['nodeSelector and affinity must both match', { nodeSelector: { disk: 'sd' }, ...required(term({ key: 'camera', operator: 'Exists' })) }, false],
  ])('%s', (_, partial, expected) => {
    expect(matchesNodeAffinity(spec(partial), labels)).toBe(expected);
  });
});

describe('the scheduler with taints and affinity', () => {
  const tolerating = (name: string, tolerations: object[]) => pod(name, { spec: spec({ tolerations }) });
  const arch = (name: string, values: string[]) =>
    pod(name, {
      spec: spec({
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values }] }] } } },
      }),
    });

  it('keeps pods off nodes whose taints they do not tolerate, in kube-scheduler\'s words', () => {
    const nodes = [node('gpu', { taints: [gpu] }), node('a', { labels: { disk: 'sd' } }), node('b', { labels: { disk: 'sd' } })];
    const wanting = pod('p', { spec: spec({ nodeSelector: { disk: 'ssd' } }) });
    expect(schedule({ nodes, bound: [], pending: [wanting] }).unschedulable.get('p')).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.",
    );
    expect(schedule({ nodes: [nodes[0]!], bound: [], pending: [pod('q')] }).unschedulable.get('q')).toBe(
      '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.',
    );
  });

  it('checks taints before node affinity, as kube-scheduler orders its filters', () => {
    expect(unfitReasons(pod('p', { spec: spec({ nodeSelector: { disk: 'ssd' } }) }), node('gpu', { taints: [gpu] }))).toEqual([untoleratedTaintReason(gpu)]);
  });

  it('places a tolerating pod on a tainted node, and a NoExecute taint keeps others off too', () => {
    const nodes = [node('gpu', { taints: [gpu] }), node('flaky', { taints: [{ key: 'flaky', effect: 'NoExecute' }] })];
    const result = schedule({ nodes, bound: [], pending: [tolerating('p', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]), pod('q')] });
    expect(result.bindings.get('p')).toBe('gpu');
    expect(result.unschedulable.get('q')).toBe('0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {flaky: }.');
  });

  it('uses a PreferNoSchedule node only when no other fits', () => {
    const soft = node('a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] });
    const pending = ['p1', 'p2'].map((name) => pod(name, { ownerUid: 'web' }));
    expect([...schedule({ nodes: [soft, node('b')], bound: [], pending }).bindings.values()]).toEqual(['b', 'b']);
    expect(schedule({ nodes: [soft], bound: [], pending: [pod('p')] }).bindings.get('p')).toBe('a');
  });

  it('places by architecture through the kubernetes.io/arch label', () => {
    const nodes = [node('pi', { labels: { 'kubernetes.io/arch': 'arm64' } }), node('nas', { labels: { 'kubernetes.io/arch': 'amd64' } })];
    const result = schedule({ nodes, bound: [], pending: [arch('arm', ['arm64', 'arm']), arch('riscv', ['riscv64'])] });
    expect(result.bindings.get('arm')).toBe('pi');
    expect(result.unschedulable.get('riscv')).toBe("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
  });
});

describe('what a node allows', () => {
  const privileged = spec({ containers: [{ name: 'app', image: 'busybox:1', securityContext: { privileged: true } }] });
  const hostNet = spec({ hostNetwork: true });
  const withPath = (path: string, type = '') => spec({ volumes: [{ name: 'v', hostPath: { path, type } }] });
  const allowing = (allows: Partial<NodeAllows>): NodeAllows => ({ ...NOTHING_ALLOWED, ...allows });

  it.each<[string, ReturnType<typeof spec>, NodeAllows | undefined, string | undefined]>([
    ['a plain pod on a node that allows nothing', spec(), NOTHING_ALLOWED, undefined],
    ['a plain pod on a node that does not say (an older agent)', spec(), undefined, undefined],
    ['privileged, not allowed', privileged, NOTHING_ALLOWED, "node(s) didn't allow privileged containers"],
    ['privileged on a node that does not say', privileged, undefined, "node(s) didn't allow privileged containers"],
    ['privileged, allowed', privileged, allowing({ privileged: true }), undefined],
    ['hostNetwork, not allowed', hostNet, NOTHING_ALLOWED, "node(s) didn't allow hostNetwork"],
    ['hostNetwork, allowed', hostNet, allowing({ hostNetwork: true }), undefined],
    ['a hostPath, not allowed', withPath('/srv/data/'), allowing({ hostPaths: ['/srv/database'] }), "node(s) didn't allow hostPath /srv/data"],
    ['a hostPath under an allowed one', withPath('/srv/data/app'), allowing({ hostPaths: ['/srv/data'] }), undefined],
    ['the Docker socket under --allow-host-path /', withPath('/var/run/docker.sock'), allowing({ hostPaths: ['/'] }), "node(s) didn't allow hostPath /var/run/docker.sock"],
    ['a device, not allowed', withPath('/dev/ttyUSB0', 'CharDevice'), allowing({ hostPaths: ['/'] }), "node(s) didn't allow device /dev/ttyUSB0"],
    ['a device by prefix', withPath('/dev/ttyUSB0', 'CharDevice'), allowing({ devices: ['/dev/ttyUSB*'] }), undefined],
  ])('%s', (_, podSpec, allows, expected) => {
    expect(disallowedReason(podSpec, allows)).toBe(expected);
  });

  it('names the first thing refused, in manifest order', () => {
    const all = spec({ hostNetwork: true, containers: [{ name: 'app', image: 'busybox:1', securityContext: { privileged: true } }], volumes: [{ name: 'v', hostPath: { path: '/srv' } }] });
    expect(disallowedReason(all, allowing({ privileged: true }))).toBe("node(s) didn't allow hostNetwork");
    expect(disallowedReason(all, allowing({ privileged: true, hostNetwork: true }))).toBe("node(s) didn't allow hostPath /srv");
  });

  it('keeps a pod Pending with the count of nodes, and places it where it is allowed', () => {
    const strict = [node('a'), node('b'), node('c')];
    const priv = pod('priv', { spec: privileged });
    expect(schedule({ nodes: strict, bound: [], pending: [priv] }).unschedulable.get('priv')).toBe("0/3 nodes are available: 3 node(s) didn't allow privileged containers.");
    const gpio = { ...node('gpio'), allows: allowing({ privileged: true }) };
    const result = schedule({ nodes: [...strict, gpio], bound: [], pending: [priv, pod('plain')] });
    expect(result.bindings.get('priv')).toBe('gpio');
    expect(result.unschedulable.size).toBe(0);
  });

  it('reads allows from the node status, and checks them after node affinity', () => {
    const status = { protocol: 'v1' as const, node: 'n', state: 'online' as const, conditions: [{ type: 'Ready', status: 'True' as const }], allows: allowing({ hostNetwork: true }) };
    expect(viewNode('n', status, false).allows).toEqual(allowing({ hostNetwork: true }));
    expect(viewNode('n', { ...status, allows: undefined }, false)).not.toHaveProperty('allows');
    const wanting = pod('p', { spec: spec({ hostNetwork: true, containers: [{ name: 'app', image: 'busybox:1', securityContext: { privileged: true } }], nodeSelector: { disk: 'ssd' } }) });
    expect(unfitReasons(wanting, node('a'))).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    expect(unfitReasons(wanting, node('b', { labels: { disk: 'ssd' } }))).toEqual(["node(s) didn't allow privileged containers"]);
  });

  it('counts different reasons over different nodes, in kube-scheduler\'s order', () => {
    const nodes = [node('a'), { ...node('b'), allows: allowing({ hostPaths: ['/srv'] }) }, { ...node('c'), allows: allowing({ hostPaths: ['/srv'] }) }];
    const both = pod('p', { spec: spec({ volumes: [{ name: 'v', hostPath: { path: '/srv/data' } }, { name: 'd', hostPath: { path: '/dev/i2c-1', type: 'CharDevice' } }] }) });
    expect(schedule({ nodes, bound: [], pending: [both] }).unschedulable.get('p')).toBe(
      "0/3 nodes are available: 1 node(s) didn't allow hostPath /srv/data, 2 node(s) didn't allow device /dev/i2c-1.",
    );
  });
});
