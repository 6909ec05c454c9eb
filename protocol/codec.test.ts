import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES } from './codec.js';
import { coordinatorStatusSchema, nodeStatusSchema } from './messages.js';
import { replySchema } from './requests.js';

describe('decodePayload', () => {
  it('decodes a valid payload from a Buffer or a string, dropping unknown fields', () => {
    const payload = encodePayload({ protocol: 'v1', state: 'online', version: '0.1.0', future: 'field' });
    expect(decodePayload(coordinatorStatusSchema, Buffer.from(payload))).toEqual({ ok: true, value: { protocol: 'v1', state: 'online', version: '0.1.0' } });
    expect(decodePayload(coordinatorStatusSchema, payload).ok).toBe(true);
  });

  it.each<[string, Buffer | string, RegExp]>([
    ['an empty payload', '', /^not JSON: /],
    ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x13]), /^not JSON: /],
    ['truncated JSON', '{"protocol":"v1","sta', /^not JSON: /],
    ['JSON of the wrong shape', '[1,2,3]', /must be an object/],
    ['a JSON null', 'null', /must be an object/],
    ['a wrong field type', '{"protocol":"v1","state":"online","version":5}', /^version: must be a string, not 5$/],
    ['another protocol version', '{"protocol":"v2","state":"online"}', /^protocol: unsupported value "v2": must be "v1"$/],
    ['a bad enum value', '{"protocol":"v1","state":"sleeping"}', /^state: unsupported value "sleeping": must be one of "online", "offline"$/],
    ['too large', 'x'.repeat(MAX_PAYLOAD_BYTES + 1), /^payload of 1048577 bytes exceeds 1048576$/],
  ])('never throws on %s, and says why', (_what, payload, reason) => {
    const decoded = decodePayload(coordinatorStatusSchema, payload);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  it('reports at most five problems', () => {
    const decoded = decodePayload(nodeStatusSchema, '{"protocol":1,"node":2,"state":3,"time":4,"reason":5,"pods":"x","observedGeneration":"y"}');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason.split('; ')).toHaveLength(5);
  });

  it('decodes both kinds of reply', () => {
    expect(decodePayload(replySchema, '{"protocol":"v1","id":"1","ok":true,"result":{"items":[]}}')).toEqual({
      ok: true,
      value: { protocol: 'v1', id: '1', ok: true, result: { items: [] } },
    });
    const error = decodePayload(replySchema, '{"protocol":"v1","id":"2","ok":false,"error":{"code":"NotFound","message":"gone"}}');
    expect(error.ok && !error.value.ok && error.value.error.code).toBe('NotFound');
  });
});
