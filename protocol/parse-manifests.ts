import { parseAllDocuments } from 'yaml';
import { isManifestKind, manifestKinds, type Manifest } from './manifest.js';
import { validate } from './validation.js';

/** A manifest file (or stdin) that failed to parse or validate; nothing in it was applied. */
export class ManifestError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** Largest manifest text accepted; a Pi fleet's manifests are a few kilobytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Validates one decoded object as a manifest. Problems are prefixed with the kind and
 * name when they can be read, so a multi-document file points at the right document.
 */
export function validateManifest(input: unknown): { ok: true; value: Manifest } | { ok: false; problems: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['must be an object with apiVersion, kind, metadata and spec'] };
  }
  const { kind, apiVersion } = input as Record<string, unknown>;
  if (kind === undefined) return { ok: false, problems: ['kind: required'] };
  if (!isManifestKind(kind)) {
    return { ok: false, problems: [`kind: unsupported kind ${JSON.stringify(kind)}: Baton supports Pod (v1), Deployment (apps/v1) and DaemonSet (apps/v1)`] };
  }
  const expected = manifestKinds[kind];
  if (apiVersion !== expected.apiVersion) {
    return { ok: false, problems: [`apiVersion: ${kind} must be ${JSON.stringify(expected.apiVersion)}, not ${JSON.stringify(apiVersion ?? null)}`] };
  }
  return validate(expected.schema, input);
}

function label(input: unknown, index: number): string {
  const doc = `document ${index + 1}`;
  if (typeof input !== 'object' || input === null) return doc;
  const { kind, metadata } = input as { kind?: unknown; metadata?: { name?: unknown } };
  const name = typeof metadata === 'object' && metadata !== null ? metadata.name : undefined;
  return typeof kind === 'string' && typeof name === 'string' ? `${doc} (${kind} "${name}")` : doc;
}

/**
 * Parses YAML (several documents separated by `---`) or JSON, including a Kubernetes
 * `List`, into validated manifests. Throws one ManifestError listing every problem;
 * it returns nothing partial, so a bad file changes nothing.
 */
export function parseManifests(text: string, source: string): Manifest[] {
  return parseManifestObjects(text, source).map((entry) => entry.manifest);
}

/** One object of a manifest file: as written (`object`) and as validated and defaulted (`manifest`). */
export interface ParsedObject {
  object: unknown;
  manifest: Manifest;
}

/**
 * Like parseManifests, but keeps each object as written beside its validated form, for
 * clients that send the raw objects on (the coordinator validates them again).
 */
export function parseManifestObjects(text: string, source: string): ParsedObject[] {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new ManifestError(source, [`larger than ${MAX_MANIFEST_BYTES} bytes`]);
  }
  const problems: string[] = [];
  const inputs: unknown[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const line = error.linePos?.[0];
        problems.push(`${line ? `line ${line.line}, column ${line.col}: ` : ''}${error.message.split('\n')[0]}`);
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const items = (value as { kind?: unknown; items?: unknown }).kind === 'List' ? (value as { items?: unknown }).items : [value];
    if (!Array.isArray(items)) {
      problems.push(`document ${inputs.length + 1}: List.items must be an array`);
      continue;
    }
    inputs.push(...items);
  }
  if (problems.length > 0) throw new ManifestError(source, problems);
  if (inputs.length === 0) throw new ManifestError(source, ['no objects found']);

  const manifests: ParsedObject[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const result = validateManifest(input);
    if (!result.ok) {
      problems.push(...result.problems.map((p) => `${label(input, index)}: ${p}`));
      return;
    }
    const key = `${result.value.kind}/${result.value.metadata.name}`;
    if (seen.has(key)) problems.push(`${label(input, index)}: ${key} appears more than once`);
    seen.add(key);
    manifests.push({ object: input, manifest: result.value });
  });
  if (problems.length > 0) throw new ManifestError(source, problems);
  return manifests;
}
