import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BATON_VERSION, PROTOCOL_VERSION } from './version.js';

describe('versions', () => {
  it('BATON_VERSION equals package.json\'s version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(BATON_VERSION).toBe(pkg.version);
  });

  it('the protocol is v1', () => {
    expect(PROTOCOL_VERSION).toBe('v1');
  });
});
