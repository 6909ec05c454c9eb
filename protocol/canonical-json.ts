import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values always serialise to the
 * same text: the basis of every "did it change?" comparison (store writes, desired
 * generations, template and container spec hashes). `undefined` members are dropped, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = sortKeys(member);
  }
  return out;
}

/** A hex SHA-256 of the canonical form: equal for equal values, whatever their key order. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
