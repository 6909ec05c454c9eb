import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { canonicalJson } from './canonical-json.js';
import { encodePayload, type Decoded } from './codec.js';
import { messageDecoders } from './decoders.js';
import type { PayloadKind } from './limits.js';
import { ManifestError, parseManifestObjects } from './parse-manifests.js';
import { SECRET_MARKER, wireExamples } from './testing/wire-examples.js';

/**
 * The decoders and the manifest parser against random and mutated input: random JSON
 * values, random text and bytes, and valid messages with fields deleted, replaced,
 * retyped, duplicated, nested deeper, enlarged and garbled. Whatever comes in, a decoder
 * returns ok or a bounded reason and never throws; what it accepts encodes and decodes
 * to the same thing; an env value never shows in a reason. fast-check prints the seed
 * and the smallest failing input when a property fails; `FUZZ_SEED=<n>` replays it.
 */

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const settings = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });
let runs = 0;
afterAll(() => console.log(`decoders fuzz: ${runs} inputs`));

const MAX_REASON_CHARS = 30_000;
/** Mutations that compound past this are skipped: beyond every limit, they only cost time. */
const MAX_INPUT_CHARS = 12_000_000;

/** The properties every decode must hold; throws (failing the property) otherwise. */
function checkDecode(decode: (payload: Buffer | string) => Decoded<unknown>, payload: Buffer | string): void {
  runs += 1;
  const result = decode(payload);
  if (result.ok) {
    const text = encodePayload(result.value);
    const again = decode(text);
    if (!again.ok) throw new Error(`accepted, but its re-encoding is refused: ${again.reason}`);
    // Equal as values: key order may differ (a default is added after the fields given).
    expect(canonicalJson(again.value)).toBe(canonicalJson(result.value));
    return;
  }
  expect(typeof result.reason).toBe('string');
  expect(result.reason.length).toBeGreaterThan(0);
  expect(result.reason.length, result.reason.slice(0, 300)).toBeLessThan(MAX_REASON_CHARS);
}

// ---- mutations of a JSON value ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Key = string | number;

const ops = ['delete', 'replace', 'retype', 'duplicate', 'deepen', 'enlarge', 'addKey'] as const;
interface Mutation {
  at: number;
  op: (typeof ops)[number];
  replacement: Json;
  n: number;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom(...ops),
  replacement: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  n: fc.integer({ min: 1, max: 200 }),
});

const retypes: Json[] = [null, true, false, 0, -1, 1.5, 2 ** 53 + 2, 1e308, '', 'x', '-1', [], {}, [null], { '': '' }];
const extraKeys = ['__proto__', 'constructor', 'prototype', 'unknownField', '', 'x'.repeat(500)];

/** Every path in a value, breadth first, up to a bound. */
function pathsOf(value: Json, limit = 400): Key[][] {
  const out: Key[][] = [[]];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    const path = out[i] as Key[];
    const node = nodeAt(value, path);
    if (Array.isArray(node)) node.forEach((_, j) => out.push([...path, j]));
    else if (node !== null && typeof node === 'object') for (const k of Object.keys(node)) out.push([...path, k]);
  }
  return out;
}

function nodeAt(value: Json, path: readonly Key[]): Json {
  let node: Json = value;
  for (const key of path) node = (node as Record<Key, Json>)[key] as Json;
  return node;
}

function setAt(root: Json, path: readonly Key[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const parent = nodeAt(root, path.slice(0, -1)) as Record<Key, Json> | Json[];
  const key = path.at(-1) as Key;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(key as number, 1);
    else parent[key as number] = value;
  } else if (value === undefined) {
    delete parent[key];
  } else {
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

function deepen(value: Json, levels: number): Json {
  let out = value;
  for (let i = 0; i < levels; i++) out = i % 2 === 0 ? [out] : { v: out };
  return out;
}

function mutate(value: Json, mutation: Mutation): Json {
  const paths = pathsOf(value);
  const path = paths[mutation.at % paths.length] as Key[];
  const node = nodeAt(value, path);
  switch (mutation.op) {
    case 'delete':
      return setAt(value, path, undefined);
    case 'replace':
      return setAt(value, path, structuredClone(mutation.replacement));
    case 'retype':
      return setAt(value, path, structuredClone(retypes[mutation.n % retypes.length] as Json));
    case 'duplicate': {
      if (path.length === 0) return [value, structuredClone(value)];
      const parent = nodeAt(value, path.slice(0, -1));
      if (Array.isArray(parent)) {
        for (let i = 0; i < 1 + (mutation.n % 3); i++) parent.push(structuredClone(node));
        return value;
      }
      const keys = Object.keys(parent as object);
      return setAt(value, [...path.slice(0, -1), keys[mutation.n % keys.length] as string], structuredClone(node));
    }
    case 'deepen':
      return setAt(value, path, deepen(node, mutation.n));
    case 'enlarge': {
      // Up to 5 MB: past every payload limit but the reply's, never compounding.
      const chars = Math.min(mutation.n ** 3, 5_000_000);
      if (typeof node === 'string') return setAt(value, path, (node || 'x').repeat(Math.ceil(chars / Math.max(1, node.length))).slice(0, chars));
      if (Array.isArray(node)) {
        const item = node[0] ?? null;
        const count = Math.min(mutation.n * 5, Math.floor(5_000_000 / (JSON.stringify(item).length + 1)));
        return setAt(value, path, Array.from({ length: count }, () => structuredClone(item)));
      }
      if (typeof node === 'number') return setAt(value, path, node * 10 ** (mutation.n % 300) + (mutation.n % 2 === 0 ? 0.5 : 0));
      return setAt(value, path, 'x'.repeat(chars));
    }
    case 'addKey': {
      const key = extraKeys[mutation.n % extraKeys.length] as string;
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return setAt(value, path, { [key]: node });
      return setAt(value, [...path, key], structuredClone(mutation.replacement));
    }
  }
}

// ---- mutations of a text ----

const textOps = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('{', '[', '"', ',', ':', '\\', '\u0000', '1e999', '-0', 'NaN', '}', ']', '\n', '\uFFFF', '\uD800') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), text: fc.constantFrom('1e999', '-1e999', '1e-400', '123456789012345678901234567890', '-0', '0.1e1') }),
);

function mutateText(text: string, op: TextOp): string {
  switch (op.kind) {
    case 'insert': {
      const at = op.at % (text.length + 1);
      return text.slice(0, at) + op.text + text.slice(at);
    }
    case 'delete': {
      const at = op.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + op.length);
    }
    case 'truncate':
      return text.slice(0, op.at % (text.length + 1));
    case 'number':
      return text.replace(/-?\d+(\.\d+)?/, op.text);
  }
}
type TextOp = typeof textOps extends fc.Arbitrary<infer T> ? T : never;

// ---- the properties ----

const kinds = Object.keys(messageDecoders) as PayloadKind[];

describe.each(kinds)('%s decoder', (kind) => {
  const decode = messageDecoders[kind];
  const seeds = wireExamples[kind] as Json[];

  it('decodes every seed (the mutations start from valid messages)', () => {
    for (const example of seeds) expect(decode(JSON.stringify(example))).toMatchObject({ ok: true });
  });

  it('holds on random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => checkDecode(decode, JSON.stringify(value) ?? 'null')), settings(250));
  });

  it('holds on random text and bytes', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), (payload) => checkDecode(decode, payload)), settings(150));
  });

  it('holds on mutated valid messages', () => {
    const arb = fc.tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.option(textOps, { freq: 4 }));
    fc.assert(
      fc.property(arb, ([example, mutations, textOp]) => {
        let value = structuredClone(example);
        for (const mutation of mutations) value = mutate(value, mutation);
        const text = JSON.stringify(value);
        fc.pre(text.length < MAX_INPUT_CHARS);
        checkDecode(decode, textOp === null ? text : mutateText(text, textOp));
      }),
      settings(450),
    );
  });
});

describe('env values', () => {
  /** Any JSON holding the marker, as an env value (where only a string belongs). */
  const secretValue: fc.Arbitrary<Json> = fc.oneof(
    fc.constant<Json>(SECRET_MARKER),
    fc.constant<Json>([SECRET_MARKER]),
    fc.constant<Json>({ value: SECRET_MARKER }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => [v, SECRET_MARKER] as Json),
    fc.jsonValue({ maxDepth: 2 }).map((v) => ({ x: v as Json, value: SECRET_MARKER, y: [SECRET_MARKER] })),
  );
  const envEntry = fc.record({ value: secretValue, extra: fc.option(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>), name: fc.constantFrom('TOKEN', 'bad name', '') });

  it('never shows in the reason a desired state or a manifest is refused for', () => {
    const desired = wireExamples.nodeDesired[0] as { pods: { spec: { containers: { env: unknown[] }[] } }[] };
    fc.assert(
      fc.property(fc.array(envEntry, { minLength: 1, maxLength: 3 }), (entries) => {
        const env = entries.map((e) => ({ name: e.name, value: e.value, ...(e.extra === null ? {} : { extra: e.extra }) }));
        const message = structuredClone(desired);
        (message.pods[0] as { spec: { containers: { env: unknown[] }[] } }).spec.containers[0]!.env = env;
        runs += 1;
        const decoded = messageDecoders.nodeDesired(JSON.stringify(message));
        if (!decoded.ok) expect(decoded.reason).not.toContain(SECRET_MARKER);
        const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: message.pods[0]!.spec };
        expect(manifestProblems(stringify(manifest)).join('\n')).not.toContain(SECRET_MARKER);
      }),
      settings(300),
    );
  });
});

// ---- the manifest parser ----

/** Parses a manifest text; any throw other than ManifestError fails the property. */
function manifestProblems(text: string): string[] {
  runs += 1;
  try {
    const objects = parseManifestObjects(text, 'fuzz.yaml');
    // Accepted: the objects as JSON (a List, which is YAML too) read back the same.
    const again = parseManifestObjects(JSON.stringify({ kind: 'List', items: objects.map((o) => o.object) }), 'again.json');
    expect(canonicalJson(again.map((o) => o.manifest))).toBe(canonicalJson(objects.map((o) => o.manifest)));
    return [];
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) expect(problem.length, problem.slice(0, 300)).toBeLessThan(MAX_REASON_CHARS);
    return error.problems;
  }
}

describe('manifest parser', () => {
  const examplesDir = join(import.meta.dirname, '..', 'examples');
  const texts = readdirSync(examplesDir).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => readFileSync(join(examplesDir, f), 'utf8'));
  const podManifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: (wireExamples.nodeDesired[0] as { pods: { spec: Json }[] }).pods[0]!.spec };
  texts.push(stringify(podManifest));
  const objects = texts.map((t) => parseManifestObjects(t, 'seed')[0]!.object as Json);

  it('reads every seed', () => {
    for (const text of texts) expect(manifestProblems(text)).toEqual([]);
  });

  it('holds on random text', () => {
    const yamlish = fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '-', '[', ']', '{', '}', '&a', '*a', '!!', '---', '"', "'", '|', '>', '#', '?', ',', '1', '.inf', '<<'), maxLength: 80 });
    fc.assert(fc.property(fc.oneof(yamlish, fc.string({ maxLength: 200 })), (text) => void manifestProblems(text)), settings(300));
  });

  it('holds on mutated manifests, as YAML or JSON', () => {
    const arb = fc.tuple(fc.constantFrom(...objects), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.option(textOps, { freq: 4 }));
    fc.assert(
      fc.property(arb, ([example, mutations, asJson, textOp]) => {
        let value = structuredClone(example);
        for (const mutation of mutations) value = mutate(value, mutation);
        // Past 256 KiB a manifest only costs parse time; the size limit has its own tests.
        fc.pre(JSON.stringify(value).length < 256 * 1024);
        const text = asJson ? JSON.stringify(value) : stringify(value);
        manifestProblems(textOp === null ? text : mutateText(text, textOp));
      }),
      settings(400),
    );
  });
});
