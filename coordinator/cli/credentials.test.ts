import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GlobalOptions } from './args.js';
import { defaultCredentialsPath, resolveConnection } from './credentials.js';

let home: string;
const base: GlobalOptions = { broker: 'mqtt://127.0.0.1:1883', prefix: 'baton', timeoutMs: 5000 };
const admin = { protocol: 'v1', broker: 'mqtts://hub:8883', username: 'admin', password: 'p'.repeat(32), ca: '-----BEGIN CERTIFICATE-----\nx\n' };

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'baton-cli-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeDefault(content: string): Promise<string> {
  const path = defaultCredentialsPath(home);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

describe('resolveConnection', () => {
  it('without a file anywhere: the broker as given, no credentials', async () => {
    expect(await resolveConnection(base, home)).toEqual({ broker: 'mqtt://127.0.0.1:1883' });
  });

  it("the default file: its user, password, CA and broker", async () => {
    await writeDefault(JSON.stringify(admin));
    expect(await resolveConnection(base, home)).toEqual({ broker: 'mqtts://hub:8883', username: 'admin', password: admin.password, ca: admin.ca });
  });

  it('a named file wins over the default; --broker wins over the file', async () => {
    await writeDefault(JSON.stringify({ ...admin, password: 'q'.repeat(32) }));
    const named = join(home, 'other.json');
    await writeFile(named, JSON.stringify(admin));
    expect(await resolveConnection({ ...base, credentials: named }, home)).toMatchObject({ broker: 'mqtts://hub:8883', password: admin.password });
    expect(await resolveConnection({ ...base, broker: 'mqtts://10.0.0.5:8883', brokerGiven: true, credentials: named }, home)).toMatchObject({ broker: 'mqtts://10.0.0.5:8883', password: admin.password });
  });

  it('a file without a CA (no TLS) gives none', async () => {
    const { ca: _ca, ...plain } = admin;
    await writeDefault(JSON.stringify({ ...plain, broker: 'mqtt://hub:1883' }));
    expect(await resolveConnection(base, home)).toEqual({ broker: 'mqtt://hub:1883', username: 'admin', password: admin.password });
  });

  it('a named file that is missing, unreadable or malformed is an error naming it', async () => {
    const missing = join(home, 'nope.json');
    await expect(resolveConnection({ ...base, credentials: missing }, home)).rejects.toThrow(`the credentials file ${missing} (--credentials / BATON_CREDENTIALS) does not exist`);
    const bad = join(home, 'bad.json');
    await writeFile(bad, '{"protocol": "v1", ');
    await expect(resolveConnection({ ...base, credentials: bad }, home)).rejects.toThrow(`the credentials file ${bad} is not valid JSON`);
    await writeFile(bad, JSON.stringify({ protocol: 'v1', broker: 'mqtt://x:1' }));
    await expect(resolveConnection({ ...base, credentials: bad }, home)).rejects.toThrow(`the credentials file ${bad} is not a Baton admin.json (username: required; password: required)`);
    await writeFile(bad, JSON.stringify({ ...admin, broker: 'http://x' }));
    await expect(resolveConnection({ ...base, credentials: bad }, home)).rejects.toThrow(`the credentials file ${bad}: broker: invalid broker URL`);
    const dir = join(home, 'a-dir');
    await mkdir(dir);
    await expect(resolveConnection({ ...base, credentials: dir }, home)).rejects.toThrow(`cannot read the credentials file ${dir}`);
  });

  it('a default file that is there but malformed or unreadable is an error too, not skipped', async () => {
    const path = await writeDefault('not json');
    await expect(resolveConnection(base, home)).rejects.toThrow(`the credentials file ${path} is not valid JSON`);
    if (process.getuid?.() !== 0) {
      await writeFile(path, JSON.stringify(admin));
      await chmod(path, 0);
      await expect(resolveConnection(base, home)).rejects.toThrow(`cannot read the credentials file ${path}`);
    }
  });
});
