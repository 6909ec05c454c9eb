import { describe, expect, it } from 'vitest';
import { deploymentManifestSchema } from '../../protocol/manifest.js';
import type { StoredDeployment, StoredPod } from '../state.js';
import { deployment, testEntropy } from '../test-fixtures.js';
import { reconcileDeployment } from './deployment.js';
import type { PodAvailability } from './owned.js';

/** One pass of the Deployment controller during an update, with lost pods, and under Recreate. */

/** `web` with `replicas`, image busybox:<version>, and a strategy as a manifest would write it. */
export function web(replicas: number, version: number, strategy?: unknown): StoredDeployment {
  const d = deployment('web', replicas, { podSpec: { containers: [{ name: 'app', image: `busybox:${version}` }] } });
  if (strategy === undefined) return d;
  return { ...d, spec: deploymentManifestSchema.shape.spec.parse({ ...d.spec, strategy }) };
}

/** `count` pods as the controller makes them for `d`, bound round-robin to `nodes`. */
function podsOf(d: StoredDeployment, count: number, nodes: string[], entropy = testEntropy()): StoredPod[] {
  const { create } = reconcileDeployment({ deployment: { ...d, spec: { ...d.spec, replicas: count } }, pods: [], terminating: 0, availability: () => 'notReady', takenNames: new Set(), entropy });
  return create.map((p, i) => ({ ...p, nodeName: nodes[i % nodes.length]! }));
}

/** Availability by pod name; pods not named are `ready`. */
function run(d: StoredDeployment, pods: StoredPod[], seen: Record<string, PodAvailability> = {}, terminating = 0) {
  return reconcileDeployment({
    deployment: d,
    pods,
    terminating,
    availability: (p) => seen[p.metadata.name] ?? 'ready',
    takenNames: new Set(pods.map((p) => p.metadata.name)),
    entropy: testEntropy(),
  });
}

const names = (pods: StoredPod[]): string[] => pods.map((p) => p.metadata.name);
const entropy = testEntropy();
const v1Pods = podsOf(web(4, 1), 4, ['a', 'b', 'c', 'd'], entropy);
const [p1, p2, p3, p4] = v1Pods as [StoredPod, StoredPod, StoredPod, StoredPod];

describe('a rolling update, one pass', () => {
  it('starts with one surge pod and deletes nothing while minAvailable is every replica (3, 25%/25%)', () => {
    const result = run(web(3, 2), [p1, p2, p3]);
    expect(result.create).toHaveLength(1);
    expect(result.delete).toEqual([]);
  });

  it('surges and makes way for it at once when one may be unavailable (4, 25%/25%): the newest old pod goes', () => {
    const result = run(web(4, 2), v1Pods);
    expect(result.create).toHaveLength(1);
    expect(result.delete).toEqual([p4.metadata.name]);
  });

  it('with no surge, deletes first and creates into the room on the next pass', () => {
    const d = web(4, 2, { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    const first = run(d, v1Pods);
    expect(first).toEqual({ create: [], delete: [p4.metadata.name] });
    expect(run(d, [p1, p2, p3]).create).toHaveLength(1);
  });

  it('deletes old pods reported not Ready first, then only as many as are available above the minimum', () => {
    // 4 replicas, minAvailable 3: b is not Ready, so only one old pod may go beyond it.
    const result = run(web(4, 2), v1Pods, { [p2.metadata.name]: 'notReady' });
    expect(result.create).toHaveLength(1);
    // 5 counted less minAvailable 3 less the new pod not Ready yet: one may go, the
    // unhealthy one; the 3 Ready old pods are the minimum, so none of them.
    expect(result.delete).toEqual([p2.metadata.name]);
  });

  it("does not trade an old pod that stopped being Ready for another new pod while the new ones are not available (Kubernetes' crashloop case)", () => {
    // Stalled at 3 old + 2 new not Ready (4 replicas, 25%/25%); then an old pod fails too.
    const stalled = [p1, p2, p3, ...podsOf(web(4, 2), 2, ['a', 'b'], testEntropy())];
    const seen: Record<string, PodAvailability> = { [p1.metadata.name]: 'notReady' };
    for (const p of stalled.slice(3)) seen[p.metadata.name] = 'notReady';
    expect(run(web(4, 2), stalled, seen)).toEqual({ create: [], delete: [] });
  });

  it('never deletes an old pod as unhealthy on the strength of `unknown`', () => {
    const result = run(web(4, 2), v1Pods, { [p2.metadata.name]: 'unknown', [p3.metadata.name]: 'unknown' });
    // 2 available < minAvailable 3: nothing old may go; the surge pod is still created.
    expect(result.create).toHaveLength(1);
    expect(result.delete).toEqual([]);
  });

  it('prefers an unknown old pod over a Ready one when availability lets one go', () => {
    const d = web(4, 2, { rollingUpdate: { maxSurge: 1, maxUnavailable: 2 } });
    const result = run(d, v1Pods, { [p1.metadata.name]: 'unknown' });
    // 3 available, minAvailable 2: one may go, and the one not serving goes.
    expect(result.delete).toEqual([p1.metadata.name]);
  });

  it('after a coordinator restart (every pod unknown) creates and deletes nothing, settled or mid-update', () => {
    const unknown = Object.fromEntries(v1Pods.map((p) => [p.metadata.name, 'unknown' as const]));
    expect(run(web(4, 1), v1Pods, unknown)).toEqual({ create: [], delete: [] });
    const surge = podsOf(web(4, 2), 1, ['a'], testEntropy())[0]!;
    const midUpdate = [...v1Pods, surge];
    expect(run(web(4, 2), midUpdate, { ...unknown, [surge.metadata.name]: 'unknown' })).toEqual({ create: [], delete: [] });
  });

  it('scaled to zero mid-update, deletes every pod, even those not heard from', () => {
    const surge = podsOf(web(4, 2), 1, ['a'], testEntropy())[0]!;
    const result = run(web(0, 2), [...v1Pods, surge], { [p1.metadata.name]: 'unknown', [surge.metadata.name]: 'notReady' });
    expect(result.create).toEqual([]);
    expect(result.delete.sort()).toEqual(names([...v1Pods, surge]).sort());
  });

  it('scales the current template down to replicas when it has more (a scale-down mid-update)', () => {
    const newPods = podsOf(web(4, 2), 3, ['a', 'b', 'c'], testEntropy());
    const result = run(web(2, 2), [...newPods, p4]);
    expect(result.create).toEqual([]);
    // The newest surplus current pod goes; then 3 pods are available against a minimum
    // of 2 (25% of 2 rounds down to 0 unavailable), so the old pod goes too.
    expect(result.delete).toEqual([newPods[2]!.metadata.name, p4.metadata.name]);
  });
});

describe('lost pods', () => {
  const d = web(4, 1);

  it('deletes a lost pod of an old template at once', () => {
    const result = run(web(4, 2), v1Pods, { [p1.metadata.name]: 'lost' });
    expect(result.delete).toContain(p1.metadata.name);
  });

  it('does not count a lost pod: a replacement is created, and the lost one is kept while replicas lack a Ready pod', () => {
    const result = run(d, v1Pods, { [p4.metadata.name]: 'lost' });
    expect(result.create).toHaveLength(1);
    expect(result.delete).toEqual([]);
  });

  it('keeps only as many lost pods as replicas lacking a Ready pod, the oldest', () => {
    const replacement = podsOf(d, 1, ['a'], testEntropy())[0]!;
    // p3 and p4 lost; one replacement is Ready, so one replica lacks a Ready pod: p3
    // (older) stays, and a second replacement is made.
    const result = run(d, [...v1Pods, replacement], { [p3.metadata.name]: 'lost', [p4.metadata.name]: 'lost' });
    expect(result.create).toHaveLength(1);
    expect(result.delete).toEqual([p4.metadata.name]);
  });

  it('deletes every lost pod once Ready replacements exist', () => {
    const replacement = podsOf(d, 1, ['a'], testEntropy())[0]!;
    const result = run(d, [...v1Pods, replacement], { [p4.metadata.name]: 'lost' });
    expect(result).toEqual({ create: [], delete: [p4.metadata.name] });
  });

  describe('its node returns: exactly replicas survive', () => {
    const made = podsOf(d, 1, ['a'], testEntropy())[0]!;
    const replacement = { ...made, metadata: { ...made.metadata, name: 'web-new', creationTimestamp: '2025-01-02T00:00:00.000Z' } };
    it.each<[string, PodAvailability, PodAvailability, string]>([
      ['the original not reporting yet, the replacement not Ready: the replacement goes', 'unknown', 'notReady', 'web-new'],
      ['the original Ready, the replacement not Ready: the replacement goes', 'ready', 'notReady', 'web-new'],
      ['the original not reporting yet, the replacement Ready: the original goes', 'unknown', 'ready', p4.metadata.name],
      ['both Ready: the one on the node with more of its pods goes (the replacement, beside p1)', 'ready', 'ready', 'web-new'],
    ])('%s', (_, original, fresh, gone) => {
      const result = run(d, [...v1Pods, replacement], { [p4.metadata.name]: original, 'web-new': fresh });
      expect(result).toEqual({ create: [], delete: [gone] });
    });
  });
});

describe('Recreate', () => {
  const recreate = (replicas: number, version: number) => web(replicas, version, { type: 'Recreate' });

  it('deletes every old pod at once and creates nothing in that pass', () => {
    expect(run(recreate(4, 2), v1Pods)).toEqual({ create: [], delete: names(v1Pods) });
  });

  it('creates nothing while deleted pods are still running', () => {
    expect(run(recreate(4, 2), [], {}, 2)).toEqual({ create: [], delete: [] });
  });

  it('creates every replica once no old pod is kept or running', () => {
    expect(run(recreate(4, 2), [], {}, 0).create).toHaveLength(4);
  });

  it('replaces a lost pod like a rolling Deployment once nothing is terminating', () => {
    expect(run(recreate(4, 1), v1Pods, { [p1.metadata.name]: 'lost' }).create).toHaveLength(1);
    expect(run(recreate(4, 1), v1Pods, { [p1.metadata.name]: 'lost' }, 1).create).toHaveLength(0);
  });
});
