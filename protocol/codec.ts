import type { z } from 'zod';
import { validate } from './validation.js';

/** Largest payload any Baton program accepts; a desired state for 100 pods is ~100 KiB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Replies from the coordinator may be larger: `list pods` of a 10,000-pod fleet is
 * ~15 MiB. Only the coordinator writes them, to a topic its client chose.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Decodes a JSON payload through a schema. Never throws: a peer's bad message is
 * reported as a reason for a log line and dropped, it never crashes the reader.
 */
export function decodePayload<S extends z.ZodType>(
  schema: S,
  payload: Buffer | string,
  maxBytes: number = MAX_PAYLOAD_BYTES,
): Decoded<z.output<S>> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > maxBytes) return { ok: false, reason: `payload of ${size} bytes exceeds ${maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = validate(schema, json);
  return result.ok ? result : { ok: false, reason: result.problems.slice(0, 5).join('; ') };
}

export function encodePayload(value: unknown): string {
  return JSON.stringify(value);
}
