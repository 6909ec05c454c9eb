import { describe, expect, it } from 'vitest';
import { podTemplateHash } from '../pod-names.js';
import type { StoredPod } from '../state.js';
import { deployment, testEntropy } from '../test-fixtures.js';
import { POD_TEMPLATE_HASH_LABEL, reconcileDeployment } from './deployment.js';

function run(replicas: number, pods: StoredPod[], options: { ready?: Set<string>; podSpec?: Record<string, unknown> } = {}) {
  const web = deployment('web', replicas, options.podSpec ? { podSpec: options.podSpec } : {});
  const entropy = testEntropy();
  const result = reconcileDeployment({
    deployment: web,
    pods,
    terminating: 0,
    availability: (p) => (options.ready?.has(p.metadata.name) ? 'ready' : 'notReady'),
    takenNames: new Set(pods.map((p) => p.metadata.name)),
    entropy,
  });
  return { web, result, entropy };
}

/** Pods as the controller itself made them, optionally bound. */
function existing(count: number, nodeName?: string): StoredPod[] {
  const { result } = run(count, []);
  return result.create.map((p) => (nodeName ? { ...p, nodeName } : p));
}

describe('reconcileDeployment', () => {
  it('creates the missing replicas, named <deployment>-<hash>-<suffix>, labelled and owned', () => {
    const { web, result } = run(3, []);
    const hash = podTemplateHash(web.spec.template);
    expect(result.delete).toEqual([]);
    expect(result.create.map((p) => p.metadata.name)).toEqual([`web-${hash}-s0001`, `web-${hash}-s0002`, `web-${hash}-s0003`]);
    const first = result.create[0]!;
    expect(first.metadata.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(first.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web' }]);
    expect(first.metadata.uid).toBe('uid-1');
    expect(first.spec).toEqual(web.spec.template.spec);
    expect(first.nodeName).toBeUndefined();
    expect(new Set(result.create.map((p) => p.metadata.uid)).size).toBe(3);
  });

  it('does nothing when the replicas are all there', () => {
    const pods = existing(3);
    const { result } = run(3, pods);
    expect(result).toEqual({ create: [], delete: [] });
  });

  it('scales up by the difference only', () => {
    const { result } = run(5, existing(3));
    expect(result.create).toHaveLength(2);
    expect(result.delete).toEqual([]);
  });

  it('scales down unscheduled pods first, then not-ready ones, then the newest', () => {
    const pods = existing(4);
    const [a, b, c, d] = pods as [StoredPod, StoredPod, StoredPod, StoredPod];
    const bound = [{ ...a, nodeName: 'n1' }, { ...b, nodeName: 'n1' }, { ...c, nodeName: 'n1' }, d];
    const ready = new Set([a.metadata.name, c.metadata.name]);
    expect(run(3, bound, { ready }).result.delete).toEqual([d.metadata.name]);
    expect(run(2, bound, { ready }).result.delete).toEqual([d.metadata.name, b.metadata.name]);
    // All bound and ready: the newest goes first.
    const allReady = new Set(pods.map((p) => p.metadata.name));
    const allBound = pods.map((p) => ({ ...p, nodeName: 'n1' }));
    expect(run(3, allBound, { ready: allReady }).result.delete).toEqual([d.metadata.name]);
  });

  it('scales to zero', () => {
    const pods = existing(2);
    // Newest first.
    expect(run(0, pods).result).toEqual({ create: [], delete: pods.map((p) => p.metadata.name).reverse() });
  });

  it('never reuses a name that is taken', () => {
    const web = deployment('web', 1);
    const hash = podTemplateHash(web.spec.template);
    const entropy = testEntropy();
    const result = reconcileDeployment({ deployment: web, pods: [], terminating: 0, availability: () => 'notReady', takenNames: new Set([`web-${hash}-s0001`]), entropy });
    expect(result.create.map((p) => p.metadata.name)).toEqual([`web-${hash}-s0002`]);
  });
});

describe('podTemplateHash', () => {
  it('is stable across key order and differs for different templates', () => {
    expect(podTemplateHash({ a: 1, b: { c: 2, d: 3 } })).toBe(podTemplateHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(podTemplateHash({ a: 1 })).not.toBe(podTemplateHash({ a: 2 }));
    expect(podTemplateHash({ a: 1 })).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
});
