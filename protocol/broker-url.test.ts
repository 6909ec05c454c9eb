import { describe, expect, it } from 'vitest';
import { describeCause } from './broker-errors.js';
import { credentialsFor, redactBrokerUrl, tlsOptionsFor } from './broker-url.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('tlsOptionsFor', () => {
  it.each(['mqtts:', 'ssl:'])('%s with a CA trusts that CA alone and checks no host name', (protocol) => {
    const options = tlsOptionsFor(protocol, PEM);
    expect(options.ca).toEqual([PEM]);
    expect(options.rejectUnauthorized).toBe(true);
    // Any name or address is accepted once the chain leads to the pinned CA.
    expect(options.checkServerIdentity?.('whatever.example', {} as never)).toBeUndefined();
  });

  it.each([
    ['mqtts:', undefined],
    ['mqtt:', PEM],
    ['tcp:', PEM],
    ['mqtt:', undefined],
  ])('%s with CA %j: nothing (the system roots and the host name check, or plain TCP)', (protocol, ca) => {
    expect(tlsOptionsFor(protocol, ca)).toEqual({});
  });
});

describe('describeCause', () => {
  const withCode = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  it.each([
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED'), 'connection refused (is the broker running?)'],
    [withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      "the broker's TLS certificate is not signed by the trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate)"],
    [withCode('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      "the broker's TLS certificate is not signed by the trusted CA (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain)"],
    [withCode('CERT_HAS_EXPIRED', 'certificate has expired'), "the broker's TLS certificate has expired (CERT_HAS_EXPIRED)"],
    [new Error('Connection refused: Not authorized'), 'Connection refused: Not authorized'],
    ['text', 'text'],
  ])('%s', (cause, text) => {
    expect(describeCause(cause)).toBe(text);
  });
});

describe('credentials in a broker URL', () => {
  it.each<[string, { username?: string; password?: string }, { username?: string; password?: string }]>([
    ['mqtt://127.0.0.1:1883', {}, {}],
    ['mqtt://node.pi-1:s%40cret@127.0.0.1:1883', {}, { username: 'node.pi-1', password: 's@cret' }],
    ['mqtt://admin@127.0.0.1:1883', {}, { username: 'admin' }],
    ['mqtt://admin:from-url@127.0.0.1:1883', { username: 'coordinator', password: 'given' }, { username: 'coordinator', password: 'given' }],
  ])('%s with %j gives %j', (url, options, expected) => {
    expect(credentialsFor(new URL(url), options)).toEqual(expected);
  });

  it.each([
    ['mqtt://admin:s3cret@127.0.0.1:1883', 'mqtt://admin:***@127.0.0.1:1883'],
    ['mqtts://host.local:8883', 'mqtts://host.local:8883'],
    ['not a url://a:secret@', 'not a url://a:***@'],
  ])('redacts %s as %s', (url, shown) => {
    expect(redactBrokerUrl(url)).toBe(shown);
  });
});
