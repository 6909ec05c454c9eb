/**
 * The few DER (ASN.1 Distinguished Encoding Rules, X.690) encodings an X.509 certificate
 * needs, so pki.ts can build certificates with node:crypto alone. Each function returns
 * one complete element (tag, length, contents). Only encoding: reading a certificate back
 * is node:crypto's X509Certificate.
 */

function lengthOf(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** An element with the given identifier octet (class, constructed bit, tag number < 31). */
export function element(tag: number, contents: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOf(contents.length), contents]);
}

export const sequence = (...items: Buffer[]): Buffer => element(0x30, Buffer.concat(items));
/** A SET of one or more elements; X.509 names only ever put one in each, so no sorting is needed. */
export const set = (...items: Buffer[]): Buffer => element(0x31, Buffer.concat(items));
export const octetString = (bytes: Buffer): Buffer => element(0x04, bytes);
export const utf8String = (text: string): Buffer => element(0x0c, Buffer.from(text, 'utf8'));
export const booleanTrue = (): Buffer => element(0x01, Buffer.from([0xff]));

/** A non-negative INTEGER from a number, a bigint or its big-endian bytes (minimal, with a 0 byte before a high bit). */
export function integer(value: number | bigint | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    bytes = value;
  } else {
    let hex = BigInt(value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    bytes = Buffer.from(hex, 'hex');
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return element(0x02, bytes);
}

/** An OBJECT IDENTIFIER from its dotted form (`1.2.840.10045.4.3.2`). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new Error(`bad object identifier ${dotted}`);
    return BigInt(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw new Error(`bad object identifier ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let more = arc >> 7n; more > 0n; more >>= 7n) chunk.unshift(Number(more & 0x7fn) | 0x80);
    bytes.push(...chunk);
  }
  return element(0x06, Buffer.from(bytes));
}

/** A BIT STRING holding whole bytes (a key, a signature). */
export const bitString = (bytes: Buffer): Buffer => element(0x03, Buffer.concat([Buffer.from([0]), bytes]));

/**
 * A named-bit BIT STRING (keyUsage) with the given bits set, bit 0 the first. DER drops
 * trailing zero bits and says how many bits of the last byte are unused.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return element(0x03, Buffer.from([0]));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] = (bytes[Math.floor(bit / 8)] ?? 0) | (0x80 >> bit % 8);
  const unused = 7 - (highest % 8);
  return element(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/**
 * A certificate's validity time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280
 * 4.1.2.5), in whole seconds, UTC.
 */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-31T12:34:56.789Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return element(0x17, Buffer.from(digits.slice(2), 'ascii'));
  return element(0x18, Buffer.from(digits, 'ascii'));
}

/** `[n] EXPLICIT`: a context-specific constructed element wrapping one whole element. */
export const explicit = (tagNumber: number, inner: Buffer): Buffer => element(0xa0 | tagNumber, inner);

/** `[n] IMPLICIT` of a primitive type: a context-specific primitive element with the type's contents. */
export const implicitPrimitive = (tagNumber: number, contents: Buffer): Buffer => element(0x80 | tagNumber, contents);
