import { describe, expect, it } from 'vitest';
import { contentHash } from '../protocol/canonical-json.js';
import { desiredPodsByNode, nextNodeTable, nodeDesired, podSetHash, toDesiredPod } from './desired.js';
import type { StoredNode, StoredPod } from './state.js';
import { pod, spec, testEntropy } from './test-fixtures.js';

const table = (pods: StoredPod[]) => desiredPodsByNode(Object.fromEntries(pods.map((p) => [p.metadata.name, p])));

describe('desiredPodsByNode', () => {
  it('groups bound pods by node, sorted by name, and leaves unbound pods out', () => {
    const groups = table([pod('b', { nodeName: 'n1' }), pod('a', { nodeName: 'n1' }), pod('c', { nodeName: 'n2' }), pod('pending')]);
    expect([...groups.keys()].sort()).toEqual(['n1', 'n2']);
    expect(groups.get('n1')?.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('sends name, uid, labels, owner and the spec with its node', () => {
    const owned = pod('web-1', { nodeName: 'n1', ownerUid: 'd1', labels: { app: 'web' } });
    expect(toDesiredPod(owned, 'n1')).toEqual({
      name: 'web-1',
      uid: 'uid-web-1',
      labels: { app: 'web' },
      owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid: 'd1' },
      spec: { ...spec(), nodeName: 'n1' },
    });
  });
});

describe('nextNodeTable', () => {
  const entropy = testEntropy();
  const none = new Map<string, number>();

  it('gives a newly heard node generation 1 with an empty pod set', () => {
    const nodes = nextNodeTable({}, ['n1'], new Map(), none, entropy);
    expect(nodes.n1).toMatchObject({ name: 'n1', generation: 1 });
    expect(nodes.n1?.uid).toBeTruthy();
  });

  it('adds a node that has pods bound even if never heard from', () => {
    const nodes = nextNodeTable({}, [], table([pod('a', { nodeName: 'ghost' })]), none, entropy);
    expect(nodes.ghost?.generation).toBe(1);
  });

  it('keeps the generation while the set is unchanged, and grows it by exactly one per change', () => {
    let nodes: Record<string, StoredNode> = nextNodeTable({}, ['n1'], new Map(), none, entropy);
    const same = nextNodeTable(nodes, ['n1'], new Map(), none, entropy);
    expect(same).toEqual(nodes);

    nodes = nextNodeTable(nodes, ['n1'], table([pod('a', { nodeName: 'n1' }), pod('b', { nodeName: 'n1' })]), none, entropy);
    expect(nodes.n1?.generation).toBe(2);
    nodes = nextNodeTable(nodes, ['n1'], table([pod('a', { nodeName: 'n1' }), pod('b', { nodeName: 'n1' })]), none, entropy);
    expect(nodes.n1?.generation).toBe(2);
    nodes = nextNodeTable(nodes, ['n1'], table([pod('a', { nodeName: 'n1' })]), none, entropy);
    expect(nodes.n1?.generation).toBe(3);
  });

  it('touches only the node whose set changed', () => {
    const before = nextNodeTable({}, ['n1', 'n2'], table([pod('a', { nodeName: 'n1' }), pod('b', { nodeName: 'n2' })]), none, entropy);
    const after = nextNodeTable(before, ['n1', 'n2'], table([pod('a', { nodeName: 'n1' })]), none, entropy);
    expect(after.n1).toEqual(before.n1);
    expect(after.n2?.generation).toBe((before.n2?.generation ?? 0) + 1);
  });

  it('never forgets a node, so its generation never goes back', () => {
    const before = nextNodeTable({}, ['n1'], table([pod('a', { nodeName: 'n1' })]), none, entropy);
    const after = nextNodeTable(before, [], new Map(), none, entropy);
    expect(after.n1?.generation).toBe((before.n1?.generation ?? 0) + 1);
  });

  it('starts above the generation a node says it applied when the store has none (a lost store)', () => {
    const nodes = nextNodeTable({}, ['n1'], table([pod('a', { nodeName: 'n1' })]), new Map([['n1', 50]]), entropy);
    expect(nodes.n1?.generation).toBe(51);
  });

  it('bumps an unchanged set above a newer generation the node reports, once, and keeps counting from there', () => {
    const pods = table([pod('a', { nodeName: 'n1' })]);
    const stored = nextNodeTable({}, ['n1'], pods, none, entropy);
    expect(stored.n1?.generation).toBe(1);
    const bumped = nextNodeTable(stored, ['n1'], pods, new Map([['n1', 50]]), entropy);
    expect(bumped.n1).toEqual({ ...stored.n1, generation: 51 });
    // The node applies 51 and says so: nothing more to do.
    expect(nextNodeTable(bumped, ['n1'], pods, new Map([['n1', 51]]), entropy)).toEqual(bumped);
    // A node still on an older generation changes nothing.
    expect(nextNodeTable(bumped, ['n1'], pods, new Map([['n1', 7]]), entropy)).toEqual(bumped);
    const changed = nextNodeTable(bumped, ['n1'], table([]), new Map([['n1', 51]]), entropy);
    expect(changed.n1?.generation).toBe(52);
  });

  it('counts a changed set from the higher of stored and reported', () => {
    const stored = nextNodeTable({}, ['n1'], new Map(), none, entropy);
    const changed = nextNodeTable(stored, ['n1'], table([pod('a', { nodeName: 'n1' })]), new Map([['n1', 9]]), entropy);
    expect(changed.n1?.generation).toBe(10);
  });

  it('sees a change of spec inside a pod', () => {
    const before = nextNodeTable({}, ['n1'], table([pod('a', { nodeName: 'n1' })]), none, entropy);
    const after = nextNodeTable(before, ['n1'], table([pod('a', { nodeName: 'n1', spec: spec({ restartPolicy: 'Never' }) })]), none, entropy);
    expect(after.n1?.generation).toBe((before.n1?.generation ?? 0) + 1);
  });
});

describe('nodeDesired', () => {
  it('is the protocol message', () => {
    const node: StoredNode = { name: 'n1', uid: 'u', creationTimestamp: 't', generation: 4, podsHash: 'h' };
    expect(nodeDesired(node, [])).toEqual({ protocol: 'v1', node: 'n1', generation: 4, pods: [] });
  });
});

describe('podSetHash', () => {
  it('is contentHash of the pod set, whatever was hashed before', () => {
    const pods = [pod('a', { nodeName: 'n1', labels: { app: 'web' } }), pod('b', { nodeName: 'n1', ownerUid: 'd1' })];
    const set = table(pods).get('n1') ?? [];
    expect(podSetHash(set)).toBe(contentHash(set));
    expect(podSetHash(set)).toBe(contentHash(set)); // the second time from the kept texts
    expect(podSetHash(table(pods).get('n1') ?? [])).toBe(contentHash(set));
    expect(podSetHash([])).toBe(contentHash([]));
  });

  it('follows a pod replaced by a changed copy', () => {
    const a = pod('a', { nodeName: 'n1' });
    const before = podSetHash(table([a]).get('n1') ?? []);
    const changed = { ...a, spec: spec({ restartPolicy: 'Never' }) };
    expect(podSetHash(table([changed]).get('n1') ?? [])).not.toBe(before);
    expect(podSetHash(table([a]).get('n1') ?? [])).toBe(before);
  });
});
