import type { z } from 'zod';
import { checkJsonValue } from './json-limits.js';
import { MAX_PAYLOAD_BYTES, payloadLimits } from './limits.js';
import { validate } from './validation.js';

export { MAX_PAYLOAD_BYTES } from './limits.js';

/**
 * Replies from the coordinator may be larger: `list pods` of a 10,000-pod fleet is
 * ~15 MiB. Only the coordinator writes them, to a topic its client chose.
 */
export const MAX_REPLY_BYTES = payloadLimits.reply;

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Decodes a JSON payload through a schema. Never throws: a peer's bad message is
 * reported as a reason for a log line and dropped, it never crashes the reader. The
 * size is checked before parsing, the shape (depth, numbers, keys: checkJsonValue)
 * before the schema sees it; the reason names the limit or the field, never echoes
 * the payload beyond a short value.
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
    return { ok: false, reason: `not JSON: ${withoutExcerpt((error as Error).message)}` };
  }
  const problem = checkJsonValue(json);
  if (problem !== undefined) return { ok: false, reason: problem };
  const result = validate(schema, json);
  return result.ok ? result : { ok: false, reason: result.problems.slice(0, 5).join('; ') };
}

/** V8 quotes a piece of the text in its message (`Unexpected token 'x', "{"env":..." is not valid JSON`); a log line must not carry it. */
function withoutExcerpt(message: string): string {
  return message.replace(/, ".*" is not valid JSON$/s, '').slice(0, 120);
}

export function encodePayload(value: unknown): string {
  return JSON.stringify(value);
}
