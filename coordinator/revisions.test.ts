import { describe, expect, it } from 'vitest';
import { applyObjects } from './apply.js';
import { podTemplateHash } from './pod-names.js';
import { currentRevision, recordRevision, revisionHistoryLimit, revisionsOf } from './revisions.js';
import { emptyState, type CoordinatorState, type StoredDeployment } from './state.js';
import { deployment, testEntropy } from './test-fixtures.js';

/** Revisions as `apply` keeps them: numbers, reuse of an older template, change-cause, the history limit. */

const web = (image: string, options: { replicas?: number; changeCause?: string; labels?: Record<string, string> } = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.changeCause !== undefined ? { annotations: { 'kubernetes.io/change-cause': options.changeCause } } : {}),
  },
  spec: {
    replicas: options.replicas ?? 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

function applied(state: CoordinatorState, manifest: unknown): CoordinatorState {
  const outcome = applyObjects(state, [manifest], testEntropy());
  if (!outcome.ok) throw new Error(outcome.details.join('; '));
  return outcome.state;
}

function applyAll(...manifests: unknown[]): StoredDeployment {
  const state = manifests.reduce<CoordinatorState>(applied, emptyState());
  const stored = state.deployments.web;
  if (stored === undefined) throw new Error('no deployment');
  return stored;
}

/** `[number, image, change-cause]` per kept revision, oldest first. */
function summary(d: StoredDeployment): [number, string | undefined, string | undefined][] {
  return revisionsOf(d).map((r) => [r.revision, r.template.spec.containers[0]?.image, r.changeCause]);
}

/** A Deployment as stored with `spec.revisionHistoryLimit` (a field the manifest schema may not know yet). */
function withLimit(d: StoredDeployment, limit: number): StoredDeployment {
  return { ...d, spec: { ...d.spec, revisionHistoryLimit: limit } as StoredDeployment['spec'] };
}

describe('revisions kept by apply', () => {
  it('a new Deployment is revision 1; each new template is the next number', () => {
    expect(summary(applyAll(web('a:1')))).toEqual([[1, 'a:1', undefined]]);
    expect(summary(applyAll(web('a:1'), web('a:2'), web('a:3')))).toEqual([
      [1, 'a:1', undefined],
      [2, 'a:2', undefined],
      [3, 'a:3', undefined],
    ]);
  });

  it('makes no revision for a replica count, label or annotation change; the generation still tells spec changes', () => {
    const d = applyAll(web('a:1'), web('a:1', { replicas: 5 }), web('a:1', { replicas: 5, labels: { tier: 'front' } }));
    expect(summary(d)).toEqual([[1, 'a:1', undefined]]);
    expect(d.metadata.generation).toBe(2);
  });

  it('going back to an older template moves that revision to the end with a new number, as Kubernetes reuses a ReplicaSet', () => {
    const d = applyAll(web('a:1'), web('a:2'), web('a:3'), web('a:1'));
    expect(summary(d)).toEqual([
      [2, 'a:2', undefined],
      [3, 'a:3', undefined],
      [4, 'a:1', undefined],
    ]);
    expect(currentRevision(d)).toBe(4);
    expect(podTemplateHash(revisionsOf(d).at(-1)?.template)).toBe(podTemplateHash(d.spec.template));
  });

  it('takes the change-cause from the Deployment; an annotation change updates the current revision only', () => {
    const d = applyAll(web('a:1', { changeCause: 'first' }), web('a:2', { changeCause: 'second' }), web('a:2', { changeCause: 'second, fixed' }));
    expect(summary(d)).toEqual([
      [1, 'a:1', 'first'],
      [2, 'a:2', 'second, fixed'],
    ]);
    // A reused revision keeps its own cause when the Deployment gives none.
    expect(summary(applyAll(web('a:1', { changeCause: 'first' }), web('a:2'), web('a:1')))).toEqual([
      [2, 'a:2', undefined],
      [3, 'a:1', 'first'],
    ]);
  });

  it('keeps 10 old revisions plus the current by default', () => {
    const images = Array.from({ length: 14 }, (_, i) => `a:${i + 1}`);
    const d = applyAll(...images.map((image) => web(image)));
    expect(revisionsOf(d).map((r) => r.revision)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('keeps the manifest\'s spec.revisionHistoryLimit old revisions', () => {
    const limited = (image: string) => {
      const manifest = web(image);
      return { ...manifest, spec: { ...manifest.spec, revisionHistoryLimit: 1 } };
    };
    expect(summary(applyAll(limited('a:1'), limited('a:2'), limited('a:3')))).toEqual([
      [2, 'a:2', undefined],
      [3, 'a:3', undefined],
    ]);
  });

  it('writes nothing for an unchanged apply of a Deployment stored before revisions existed', () => {
    const legacy = { ...emptyState(), deployments: { web: applyAll(web('a:1')) } };
    const { revisions: _dropped, ...withoutRevisions } = legacy.deployments.web;
    const state = { ...legacy, deployments: { web: withoutRevisions } };
    const outcome = applyObjects(state, [web('a:1')], testEntropy());
    expect(outcome.ok && outcome.result.results[0]?.action).toBe('unchanged');
    expect(outcome.ok && outcome.state.deployments.web?.revisions).toBeUndefined();
  });
});

describe('recordRevision', () => {
  it('reads a Deployment stored without revisions as revision 1 = its template', () => {
    const legacy = deployment('web', 2);
    expect(legacy.revisions).toBeUndefined();
    expect(revisionsOf(legacy)).toEqual([{ revision: 1, template: legacy.spec.template }]);
    expect(currentRevision(legacy)).toBe(1);
    const changed = { ...legacy, spec: { ...legacy.spec, template: { ...legacy.spec.template, metadata: { labels: { app: 'web', v: '2' } } } } };
    expect(recordRevision(revisionsOf(legacy), changed).map((r) => r.revision)).toEqual([1, 2]);
  });

  it('keeps spec.revisionHistoryLimit old revisions; 0 keeps the current only', () => {
    const base = deployment('web', 1);
    const kept = [1, 2, 3, 4].map((n) => ({ revision: n, template: { ...base.spec.template, metadata: { labels: { app: 'web', n: String(n) } } } }));
    expect(recordRevision(kept, withLimit(base, 2)).map((r) => r.revision)).toEqual([3, 4, 5]);
    expect(recordRevision(kept, withLimit(base, 0)).map((r) => r.revision)).toEqual([5]);
    expect(revisionHistoryLimit(base.spec)).toBe(10);
    expect(revisionHistoryLimit(withLimit(base, 3).spec)).toBe(3);
  });
});
