import type { DaemonSetManifest, DeploymentManifest, Manifest, PodManifest } from '../protocol/manifest.js';
import type { ApplyResult } from '../protocol/requests.js';
import { shorten, validateManifest } from '../protocol/parse-manifests.js';
import { canonicalJson } from '../protocol/canonical-json.js';
import type { Workload } from './controllers/owned.js';
import { recordRevision, revisionsOf } from './revisions.js';
import type { CoordinatorState, Entropy, StoredDaemonSet, StoredDeployment, StoredPod } from './state.js';

/**
 * `apply`, pure: all or nothing. Every object is validated first; if any is invalid,
 * every problem is returned (prefixed with the object's kind and name) and the state is
 * left as it was. Otherwise each object is created, configured or left unchanged.
 */

export type ApplyOutcome =
  | { ok: true; state: CoordinatorState; result: ApplyResult }
  | { ok: false; message: string; details: string[] };

type Action = ApplyResult['results'][number]['action'];

/** `Deployment "web"`, or the object's position when its kind and name cannot be read. */
function describeObject(input: unknown, index: number): string {
  if (typeof input === 'object' && input !== null) {
    const { kind, metadata } = input as { kind?: unknown; metadata?: unknown };
    const name = typeof metadata === 'object' && metadata !== null ? (metadata as { name?: unknown }).name : undefined;
    if (typeof kind === 'string' && typeof name === 'string') return `${shorten(kind)} "${shorten(name)}"`;
  }
  return `objects[${index}]`;
}

function validateAll(state: CoordinatorState, objects: readonly unknown[]): { manifests: Manifest[]; problems: string[] } {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  objects.forEach((input, index) => {
    const where = describeObject(input, index);
    const result = validateManifest(input);
    if (!result.ok) {
      problems.push(...result.problems.map((p) => `${where}: ${p}`));
      return;
    }
    const manifest = result.value;
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    if (seen.has(key)) problems.push(`${where}: appears more than once in this request`);
    seen.add(key);
    const existing = manifest.kind === 'Pod' ? state.pods[manifest.metadata.name] : undefined;
    const owner = existing?.metadata.ownerReferences?.[0];
    if (owner) problems.push(`${where}: metadata.name: already used by a pod of ${owner.kind} "${owner.name}"`);
    manifests.push(manifest);
  });
  return { manifests, problems };
}

export function applyObjects(state: CoordinatorState, objects: readonly unknown[], entropy: Entropy): ApplyOutcome {
  const { manifests, problems } = validateAll(state, objects);
  if (problems.length > 0) {
    const invalid = new Set(problems.map((p) => p.slice(0, p.indexOf(': ')))).size;
    return {
      ok: false,
      message: `${invalid} of ${objects.length} object(s) invalid; nothing was applied`,
      details: problems,
    };
  }
  let next = state;
  const results: ApplyResult['results'] = [];
  for (const manifest of manifests) {
    let action: Action;
    switch (manifest.kind) {
      case 'Deployment': {
        const [deployments, done] = applyWorkload(next.deployments, manifest, entropy);
        next = { ...next, deployments };
        action = done;
        break;
      }
      case 'DaemonSet': {
        const [daemonSets, done] = applyWorkload(next.daemonSets, manifest, entropy);
        next = { ...next, daemonSets };
        action = done;
        break;
      }
      case 'Pod': {
        const [pods, done] = applyPod(next.pods, manifest, entropy);
        next = { ...next, pods };
        action = done;
        break;
      }
      default: {
        const never: never = manifest;
        throw new Error(`unexpected manifest ${JSON.stringify(never)}`);
      }
    }
    results.push({ kind: manifest.kind, name: manifest.metadata.name, action });
  }
  return { ok: true, state: next, result: { results } };
}

function sameMetadata(a: { labels?: unknown; annotations?: unknown }, b: { labels?: unknown; annotations?: unknown }): boolean {
  return canonicalJson([a.labels ?? {}, a.annotations ?? {}]) === canonicalJson([b.labels ?? {}, b.annotations ?? {}]);
}

/**
 * `after` as the next stored version of `before` (same uid and creation time): the
 * generation grows by one when the spec changed (not for labels or annotations), and a
 * Deployment records its template's revision. Every request that changes a workload
 * (apply, scale, rollout) goes through here.
 */
export function updatedWorkload(before: StoredDeployment, after: StoredDeployment): StoredDeployment;
export function updatedWorkload(before: StoredDaemonSet, after: StoredDaemonSet): StoredDaemonSet;
export function updatedWorkload(before: Workload, after: Workload): Workload {
  const specChanged = canonicalJson(before.spec) !== canonicalJson(after.spec);
  const metadata = { ...after.metadata, generation: before.metadata.generation + (specChanged ? 1 : 0) };
  if (after.kind === 'DaemonSet') return { ...after, metadata };
  const kept = before.kind === 'Deployment' ? revisionsOf(before) : [];
  const next = { ...after, metadata };
  return { ...next, revisions: recordRevision(kept, next) };
}

/** Deployments and DaemonSets: the generation grows only when the spec changes. */
function applyWorkload<M extends DeploymentManifest | DaemonSetManifest, S extends StoredDeployment | StoredDaemonSet>(
  table: Readonly<Record<string, S>>,
  manifest: M,
  entropy: Entropy,
): [Record<string, S>, Action] {
  const { name, labels, annotations } = manifest.metadata;
  const existing = table[name];
  const specChanged = existing === undefined || canonicalJson(existing.spec) !== canonicalJson(manifest.spec);
  if (existing && !specChanged && sameMetadata(existing.metadata, manifest.metadata)) return [{ ...table }, 'unchanged'];
  const stored = {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    metadata: {
      name,
      namespace: 'default' as const,
      uid: existing?.metadata.uid ?? entropy.newUid(),
      creationTimestamp: existing?.metadata.creationTimestamp ?? entropy.now(),
      generation: 1,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: manifest.spec,
  } as Workload;
  return [{ ...table, [name]: (existing ? updated(existing, stored) : created(stored)) as S }, existing ? 'configured' : 'created'];
}

/** A new workload: generation 1 and, for a Deployment, revision 1. */
function created(workload: Workload): Workload {
  return workload.kind === 'Deployment' ? { ...workload, revisions: recordRevision([], workload) } : workload;
}

function updated(before: Workload, after: Workload): Workload {
  if (before.kind === 'Deployment' && after.kind === 'Deployment') return updatedWorkload(before, after);
  if (before.kind === 'DaemonSet' && after.kind === 'DaemonSet') return updatedWorkload(before, after);
  throw new Error(`${after.kind} "${after.metadata.name}" stored as a ${before.kind}`);
}

/**
 * Standalone pods. A label or annotation change updates the pod in place; a spec change
 * replaces it (new uid, scheduled afresh), since a pod's spec cannot change under it.
 */
function applyPod(table: Readonly<Record<string, StoredPod>>, manifest: PodManifest, entropy: Entropy): [Record<string, StoredPod>, Action] {
  const { name, labels, annotations } = manifest.metadata;
  const existing = table[name];
  const specChanged = existing === undefined || canonicalJson(existing.spec) !== canonicalJson(manifest.spec);
  if (existing && !specChanged && sameMetadata(existing.metadata, manifest.metadata)) return [{ ...table }, 'unchanged'];
  const keep = existing !== undefined && !specChanged ? existing : undefined;
  const pod: StoredPod = {
    metadata: {
      name,
      namespace: 'default',
      uid: keep?.metadata.uid ?? entropy.newUid(),
      creationTimestamp: keep?.metadata.creationTimestamp ?? entropy.now(),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: manifest.spec,
    ...(keep?.nodeName !== undefined ? { nodeName: keep.nodeName } : {}),
  };
  return [{ ...table, [name]: pod }, existing ? 'configured' : 'created'];
}
