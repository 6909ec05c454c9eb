import { describe, expect, it } from 'vitest';
import { feasibleNodesToFind, firstNodeIndex } from './scheduler-sampling.js';
import { schedule } from './scheduler.js';
import { node, pod } from './test-fixtures.js';

describe('feasibleNodesToFind', () => {
  it.each([
    [0, 0],
    [3, 3],
    [99, 99],
    [100, 100],
    [300, 144],
    [1000, 420],
    [5000, 500],
    [20000, 1000],
  ])('%i nodes: looks for %i', (nodes, wanted) => {
    expect(feasibleNodesToFind(nodes)).toBe(wanted);
  });
});

describe('firstNodeIndex', () => {
  it('is the same for the same pod, within the list, and spread over it', () => {
    const uids = Array.from({ length: 1000 }, (_, i) => `uid-${i}`);
    const starts = uids.map((uid) => firstNodeIndex(uid, 50));
    expect(uids.map((uid) => firstNodeIndex(uid, 50))).toEqual(starts);
    expect(starts.every((s) => Number.isInteger(s) && s >= 0 && s < 50)).toBe(true);
    expect(new Set(starts).size).toBe(50);
    expect(firstNodeIndex('anything', 0)).toBe(0);
  });
});

describe('schedule in a large fleet', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));

  it('binds within the nodes it looked at, starting at the pod’s own first node', () => {
    const p = pod('p');
    const first = firstNodeIndex(p.metadata.uid, nodes.length);
    const looked = new Set(Array.from({ length: feasibleNodesToFind(nodes.length) }, (_, i) => nodes[(first + i) % nodes.length]?.name));
    const bound = schedule({ nodes, bound: [], pending: [p] }).bindings.get('p');
    expect(looked.has(bound)).toBe(true);
    expect(looked.size).toBe(144);
  });

  it('still counts every node when the pod fits nowhere', () => {
    const nowhere = pod('q', { spec: { containers: [{ name: 'app', image: 'busybox:1' }], nodeSelector: { disk: 'ssd' } } as never });
    expect(schedule({ nodes, bound: [], pending: [nowhere] }).unschedulable.get('q')).toBe("0/300 nodes are available: 300 node(s) didn't match Pod's node affinity/selector.");
  });

  it('places a Deployment’s pods on different nodes while it can', () => {
    const pending = Array.from({ length: 100 }, (_, i) => pod(`web-${i}`, { ownerUid: 'web' }));
    const placed = [...schedule({ nodes, bound: [], pending }).bindings.values()];
    expect(placed).toHaveLength(100);
    expect(new Set(placed).size).toBe(100);
  });
});
