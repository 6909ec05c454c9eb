import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsError, credentialsPath, loadCredentials, saveCredentials, type Credentials } from './credentials.js';

let dir: string;
let ca: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-credentials-'));
  const key = join(dir, 'ca.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=test CA', '-days', '1', '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
  ca = await readFile(join(dir, 'ca.crt'), 'utf8');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function credentials(node = 'pi-1'): Credentials {
  return { protocol: 'v1', node, username: `node.${node}`, password: 'p4ssw0rd-p4ssw0rd', broker: 'mqtts://coordinator.local:8883', ca };
}

async function stateDir(): Promise<string> {
  return mkdtemp(join(dir, 'state-'));
}

describe('credentials.json', () => {
  it('is absent before the node joined', async () => {
    expect(await loadCredentials(await stateDir(), 'pi-1')).toBeUndefined();
  });

  it('is written 0600 and read back as it was', async () => {
    const state = await stateDir();
    await saveCredentials(state, credentials());
    expect((await stat(credentialsPath(state))).mode & 0o7777).toBe(0o600);
    expect(JSON.parse(await readFile(credentialsPath(state), 'utf8'))).toEqual(credentials());
    expect(await loadCredentials(state, 'pi-1')).toEqual(credentials());
    expect(await readdir(state)).toEqual(['credentials.json']);
  });

  it('replaces a file of a looser mode with a 0600 one', async () => {
    const state = await stateDir();
    await writeFile(credentialsPath(state), '{}', { mode: 0o644 });
    await saveCredentials(state, credentials());
    expect((await stat(credentialsPath(state))).mode & 0o7777).toBe(0o600);
  });

  it("another node's file is a fatal error that says what to do, and the file is kept", async () => {
    const state = await stateDir();
    await saveCredentials(state, credentials('pi-2'));
    const before = await readFile(credentialsPath(state), 'utf8');
    const error = await loadCredentials(state, 'pi-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(`credentials.json is for node pi-2, not pi-1; remove ${credentialsPath(state)} to join again`);
    expect(await readFile(credentialsPath(state), 'utf8')).toBe(before);
  });

  it.each([
    ['not JSON', 'not json', /is not valid credentials \(not JSON.*\); remove it to join again$/],
    ['a field missing', JSON.stringify({ ...credentials(), password: undefined }), /is not valid credentials \(password: .*\); remove it to join again$/],
    ['another protocol', JSON.stringify({ ...credentials(), protocol: 'v2' }), /is not valid credentials \(protocol: .*\)/],
    ['a CA that is no certificate', JSON.stringify({ ...credentials(), ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), /ca: must be a PEM certificate/],
    ['a broker that is no broker URL', JSON.stringify({ ...credentials(), broker: 'http://c:8484' }), /broker: must be an mqtt:\/\/ or mqtts:\/\/ URL/],
    ['far too large', JSON.stringify({ ...credentials(), password: 'x'.repeat(100_000) }), /exceeds/],
  ])('%s is a fatal error, and the file is kept', async (_what, text, message) => {
    const state = await stateDir();
    await writeFile(credentialsPath(state), text, { mode: 0o600 });
    const error = await loadCredentials(state, 'pi-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(credentialsPath(state));
    expect((error as Error).message).not.toContain('p4ssw0rd');
    expect(await readFile(credentialsPath(state), 'utf8')).toBe(text);
  });

  it('an unreadable file is a fatal error naming it', async () => {
    const state = await stateDir();
    // A directory where the file should be: unreadable as a file even for root.
    await mkdir(credentialsPath(state));
    const error = await loadCredentials(state, 'pi-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(`cannot read ${credentialsPath(state)} (EISDIR): let the agent read it, or remove it to join again`);
  });
});
