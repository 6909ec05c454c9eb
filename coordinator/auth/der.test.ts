import { describe, expect, it } from 'vitest';
import { bitString, element, integer, namedBits, octetString, oid, sequence, time } from './der.js';

const hex = (buffer: Buffer): string => buffer.toString('hex');

describe('DER', () => {
  it.each<[number | bigint | Buffer, string]>([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
    [2n ** 64n, '0209010000000000000000'],
    [Buffer.from('00007f', 'hex'), '02017f'],
    [Buffer.from('ff01', 'hex'), '020300ff01'],
  ])('INTEGER %s', (value, expected) => {
    expect(hex(integer(value))).toBe(expected);
  });

  it.each([
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'], // ecdsa-with-SHA256
    ['1.2.840.10045.2.1', '06072a8648ce3d0201'], // id-ecPublicKey
    ['2.5.29.19', '0603551d13'],
    ['1.3.6.1.5.5.7.3.1', '06082b06010505070301'], // serverAuth
    ['2.999.3', '0603883703'], // a first arc of 2 with a large second one
  ])('OBJECT IDENTIFIER %s', (dotted, expected) => {
    expect(hex(oid(dotted))).toBe(expected);
  });

  it('refuses a malformed object identifier', () => {
    expect(() => oid('1')).toThrow('bad object identifier 1');
    expect(() => oid('1.x.3')).toThrow('bad object identifier 1.x.3');
  });

  it.each([
    [0, '0400'],
    [127, '047f'],
    [128, '048180'],
    [200, '0481c8'],
    [300, '0482012c'],
    [70_000, '048301117'.padEnd(10, '0')],
  ])('a length of %i in short or long form', (size, prefix) => {
    expect(hex(octetString(Buffer.alloc(size))).startsWith(prefix)).toBe(true);
    expect(octetString(Buffer.alloc(size)).length).toBe(size + prefix.length / 2);
  });

  it.each<[number[], string]>([
    [[0], '03020780'], // digitalSignature
    [[0, 2], '030205a0'], // digitalSignature, keyEncipherment
    [[0, 5, 6], '03020186'], // digitalSignature, keyCertSign, cRLSign
    [[5, 6], '03020106'],
    [[8], '0303070080'], // decipherOnly: a second byte
    [[], '030100'],
  ])('named bits %j', (bits, expected) => {
    expect(hex(namedBits(bits))).toBe(expected);
  });

  it('BIT STRING of whole bytes, SEQUENCE, any element', () => {
    expect(hex(bitString(Buffer.from('abcd', 'hex')))).toBe('030300abcd');
    expect(hex(sequence(integer(1), integer(2)))).toBe('3006020101020102');
    expect(hex(sequence())).toBe('3000');
    expect(hex(element(0x82, Buffer.from('hub')))).toBe('8203687562');
  });

  it.each([
    ['2025-01-02T03:04:05.678Z', '170d', '250102030405Z'],
    ['1999-12-31T23:59:59Z', '170d', '991231235959Z'],
    ['2049-12-31T23:59:59Z', '170d', '491231235959Z'],
    ['2050-01-01T00:00:00Z', '180f', '20500101000000Z'],
  ])('time %s: UTCTime before 2050, GeneralizedTime after', (iso, header, text) => {
    expect(hex(time(new Date(iso)))).toBe(header + Buffer.from(text, 'ascii').toString('hex'));
  });
});
