import { describe, expect, it } from 'vitest';
import { pairSizes, parseSha256Sums } from './binary-sizes.js';

const HEX = 'a'.repeat(64);

describe('parseSha256Sums', () => {
  it('lists the names in text and binary mode, skipping blank lines', () => {
    expect(parseSha256Sums(`${HEX}  baton-agent-linux-x64\n${HEX} *baton-agent-linux-x64.xz\n\n`)).toEqual(['baton-agent-linux-x64', 'baton-agent-linux-x64.xz']);
  });
  it('refuses a line that is not a checksum line', () => {
    expect(() => parseSha256Sums('abc  file\n')).toThrow(/not a checksum line/);
  });
});

describe('pairSizes', () => {
  it('pairs each raw file with its .xz, in listed order, and keeps a lone file', () => {
    const sizes = new Map([['b', 10], ['b.xz', 3], ['a.xz', 2], ['a', 8], ['c', 5]]);
    expect(pairSizes(sizes)).toEqual([
      { name: 'b', rawBytes: 10, xzBytes: 3 },
      { name: 'a', rawBytes: 8, xzBytes: 2 },
      { name: 'c', rawBytes: 5 },
    ]);
  });
});
