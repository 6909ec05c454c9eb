import { describe, expect, it } from 'vitest';
import { parseBinarySums } from './binary-sums.js';

const a = 'a'.repeat(64);
const b = 'B'.repeat(64);

describe('parseBinarySums', () => {
  it('reads sha256sum lines in text and binary mode, in order', () => {
    const parsed = parseBinarySums(`${a}  baton-agent-linux-x64\n${b} *baton-agent-linux-x64.xz\r\n\n`);
    expect([...parsed.entries]).toEqual([
      ['baton-agent-linux-x64', a],
      ['baton-agent-linux-x64.xz', 'b'.repeat(64)],
    ]);
    expect(parsed.skipped).toBe(0);
  });

  it.each([
    [`${a}  ../etc/passwd`],
    [`${a}  dist/bin/baton-agent`],
    [`${a}  .hidden`],
    [`${a}  ..`],
    [`${a}  with space`],
    [`${'a'.repeat(63)}  short-hash`],
    [`${a} baton-agent`],
    ['not a line at all'],
  ])('skips %j', (line) => {
    const parsed = parseBinarySums(`${line}\n${a}  baton-agent-linux-arm64\n`);
    expect([...parsed.entries.keys()]).toEqual(['baton-agent-linux-arm64']);
    expect(parsed.skipped).toBe(1);
  });

  it('reads an empty file as no binaries', () => {
    expect(parseBinarySums('')).toEqual({ entries: new Map(), skipped: 0 });
  });
});
