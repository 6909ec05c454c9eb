import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES } from './codec.js';
import { decodeNodeDesired, decodeNodeStatus, decodeRequestPayload } from './decoders.js';
import { payloadLimits } from './limits.js';
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

describe('decodePayload on hostile payloads', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

  it.each<[string, string, string]>([
    // JSON.parse reads 100,000 levels; JSON.stringify (used to describe a wrong value) overflowed on them and threw.
    ['100,000 levels in a field of the wrong type', `{"protocol":"v1","state":${deep(100_000)}}`, 'nesting deeper than 64 at $.state[0][0][0][0][0][0][0]...'],
    ['100,000 levels where anything goes', `{"protocol":"v1","id":"1","replyTo":"r","op":"apply","objects":[${deep(100_000)}]}`, 'nesting deeper than 64 at $.objects[0][0][0][0][0][0][0]...'],
    ['65 levels', `{"protocol":"v1","state":"online","x":${deep(64)}}`, 'nesting deeper than 64 at $.x[0][0][0][0][0][0][0]...'],
    ['a number JSON.parse reads as Infinity', '{"protocol":"v1","state":"online","n":1e999}', 'not a finite number at $.n'],
    ['a __proto__ key', '{"protocol":"v1","state":"online","__proto__":{"state":"offline"}}', 'key "__proto__" not allowed at $.__proto__'],
  ])('refuses %s, saying where', (_what, payload, reason) => {
    expect(decodePayload(coordinatorStatusSchema, payload)).toEqual({ ok: false, reason });
  });

  it('accepts 64 levels', () => {
    expect(decodePayload(coordinatorStatusSchema, `{"protocol":"v1","state":"online","x":${deep(63)}}`).ok).toBe(true);
  });

  it('never quotes the payload in a JSON syntax error', () => {
    const decoded = decodePayload(coordinatorStatusSchema, '{"env":[{"name":"TOKEN","value":"s3cret"}] oops');
    expect(decoded).toEqual({ ok: false, reason: expect.stringMatching(/^not JSON: /) });
    if (!decoded.ok) expect(decoded.reason).not.toContain('s3cret');
  });

  it('decodes each kind within its own limit', () => {
    const status = JSON.stringify({ protocol: 'v1', node: 'n', state: 'online', reason: 'x'.repeat(payloadLimits.nodeStatus) });
    expect(decodeNodeStatus(status)).toEqual({ ok: false, reason: `payload of ${status.length} bytes exceeds ${payloadLimits.nodeStatus}` });
    const desired = JSON.stringify({ protocol: 'v1', node: 'n', generation: 1, pods: [], pad: 'x'.repeat(2 * MAX_PAYLOAD_BYTES) });
    expect(decodeNodeDesired(desired).ok).toBe(true);
    expect(decodeRequestPayload(`{"protocol":"v1","id":"1","replyTo":"r","op":"list","kind":"pods","pad":"${'x'.repeat(payloadLimits.request)}"}`)).toMatchObject({ ok: false, reason: /exceeds 2097152$/ });
  });
});
