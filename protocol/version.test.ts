import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BATON_VERSION, PROTOCOL_VERSION, releaseArch, versionLine } from './version.js';

describe('versions', () => {
  it('BATON_VERSION equals package.json\'s version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(BATON_VERSION).toBe(pkg.version);
  });

  it('the protocol is v1', () => {
    expect(PROTOCOL_VERSION).toBe('v1');
  });
});

describe('releaseArch', () => {
  it.each([
    ['x64', undefined, 'x64'],
    ['arm64', undefined, 'arm64'],
    ['arm', '7', 'armv7l'],
    ['arm', 7, 'armv7l'],
    ['arm', '6', 'armv6l'],
    ['arm', undefined, 'arm'],
    ['riscv64', undefined, 'riscv64'],
  ])('%s (ARM version %s) is %s', (arch, armVersion, expected) => {
    expect(releaseArch(arch, armVersion)).toBe(expected);
  });
});

describe('versionLine', () => {
  it('gives the program, the version, the protocol and the arch', () => {
    expect(versionLine('baton-agent')).toBe(`baton-agent ${BATON_VERSION} (protocol v1, ${releaseArch()})`);
  });
});
