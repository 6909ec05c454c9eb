import { checkJsonValue } from './json-limits.js';
import { MAX_MANIFEST_BYTES, MAX_MANIFEST_OBJECTS, MAX_PROBLEMS_PER_OBJECT } from './limits.js';
import { isManifestKind, manifestKinds, type Manifest } from './manifest.js';
import { limitProblem, validate } from './validation.js';
import { readYamlDocuments } from './yaml-documents.js';

export { MAX_MANIFEST_BYTES } from './limits.js';

/** A manifest file (or stdin) that failed to parse or validate; nothing in it was applied. */
export class ManifestError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/**
 * Validates one decoded object as a manifest. Problems are prefixed with the kind and
 * name when they can be read, so a multi-document file points at the right document.
 * The object's shape is checked first (checkJsonValue), and at most
 * MAX_PROBLEMS_PER_OBJECT problems are listed, so a hostile object cannot make a reply
 * or a log line grow without bound.
 */
export function validateManifest(input: unknown): { ok: true; value: Manifest } | { ok: false; problems: string[] } {
  const shape = checkJsonValue(input);
  if (shape !== undefined) return { ok: false, problems: [shape] };
  const result = validateShaped(input);
  if (result.ok) return result;
  const problems = result.problems.slice(0, MAX_PROBLEMS_PER_OBJECT).map(limitProblem);
  const rest = result.problems.length - problems.length;
  return { ok: false, problems: rest > 0 ? [...problems, `... and ${rest} more problem(s)`] : problems };
}

function validateShaped(input: unknown): { ok: true; value: Manifest } | { ok: false; problems: string[] } {
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
  return typeof kind === 'string' && typeof name === 'string' ? `${doc} (${shorten(kind)} "${shorten(name)}")` : doc;
}

/** A name as quoted in a problem: an invalid one may be of any length. */
export function shorten(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
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
  const size = Buffer.byteLength(text);
  if (size > MAX_MANIFEST_BYTES) throw new ManifestError(source, [`manifest of ${size} bytes exceeds ${MAX_MANIFEST_BYTES}`]);
  const { values, problems } = readYamlDocuments(text);
  const inputs: unknown[] = [];
  for (const value of values) {
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
  if (inputs.length > MAX_MANIFEST_OBJECTS) throw new ManifestError(source, [`${inputs.length} objects exceed ${MAX_MANIFEST_OBJECTS}`]);

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
