import { timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminCredentialsSchema } from './admin-credentials.js';
import { AuthFileError } from './auth-file.js';
import { AuthStore } from './auth-store.js';

let dir: string;
let nowMs: number;
const compared: [Buffer, Buffer][] = [];

function open(): Promise<AuthStore> {
  return AuthStore.load({
    stateDir: dir,
    now: () => nowMs,
    equal: (a, b) => {
      compared.push([a, b]);
      return timingSafeEqual(a, b);
    },
  });
}

async function tokenOf(store: AuthStore, ttlMs: number | null = 60_000): Promise<string> {
  const token = await store.createToken({ ttlMs, description: 'test' });
  return `${token.id}.${token.secret}`;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-auth-'));
  nowMs = Date.parse('2026-01-01T00:00:00Z');
  compared.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bootstrap', () => {
  it('makes the coordinator and admin credentials once, and admin.json for the CLI (0600)', async () => {
    const store = await open();
    await store.ensureBootstrap({ broker: 'mqtts://127.0.0.1:8883', ca: '-----BEGIN CERTIFICATE-----\nx\n' });
    const admin = adminCredentialsSchema.parse(JSON.parse(await readFile(join(dir, 'admin.json'), 'utf8')));
    expect(admin).toEqual({ protocol: 'v1', broker: 'mqtts://127.0.0.1:8883', username: 'admin', password: store.adminPassword(), ca: '-----BEGIN CERTIFICATE-----\nx\n' });
    expect((await stat(join(dir, 'admin.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'auth.json'))).mode & 0o777).toBe(0o600);
    expect(store.authenticate('coordinator', store.coordinatorPassword(), 'baton-coordinator')).toEqual({ kind: 'coordinator' });
    expect(store.authenticate('admin', store.adminPassword(), 'baton-cli-0a1b2c')).toEqual({ kind: 'admin' });
    expect(store.credentials().map((c) => c.username)).toEqual(['admin', 'coordinator']);

    const again = await open();
    await again.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    expect(again.coordinatorPassword()).toBe(store.coordinatorPassword());
    expect(again.adminPassword()).toBe(store.adminPassword());
    expect(JSON.parse(await readFile(join(dir, 'admin.json'), 'utf8'))).toEqual({ protocol: 'v1', broker: 'mqtt://127.0.0.1:1883', username: 'admin', password: store.adminPassword() });
  });

  it('puts back a coordinator or admin hash that no longer matches its password (a hand-edited file)', async () => {
    const first = await open();
    await first.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    const file = JSON.parse(await readFile(join(dir, 'auth.json'), 'utf8')) as { credentials: Record<string, { passwordHash: string }> };
    const coordinatorHash = file.credentials.coordinator?.passwordHash ?? '';
    file.credentials.admin = { ...file.credentials.admin, passwordHash: coordinatorHash } as { passwordHash: string };
    await writeFile(join(dir, 'auth.json'), JSON.stringify(file));
    const store = await open();
    expect(store.authenticate('admin', first.adminPassword(), 'baton-cli-1')).toBeUndefined();
    await store.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    expect(store.authenticate('admin', first.adminPassword(), 'baton-cli-1')).toEqual({ kind: 'admin' });
    expect(store.authenticate('admin', first.coordinatorPassword(), 'baton-cli-1')).toBeUndefined();
  });

  it('refuses wrong passwords, unknown users and client ids an identity may not take', async () => {
    const store = await open();
    await store.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    expect(store.authenticate('admin', 'wrong', 'baton-cli-1')).toBeUndefined();
    expect(store.authenticate('admin', store.coordinatorPassword(), 'baton-cli-1')).toBeUndefined();
    expect(store.authenticate('nobody', store.adminPassword(), 'baton-cli-1')).toBeUndefined();
    expect(store.authenticate('admin', store.adminPassword(), 'baton-agent-pi-1')).toBeUndefined();
    expect(store.authenticate('admin', store.adminPassword(), 'baton-coordinator')).toBeUndefined();
  });
});

describe('tokens', () => {
  it('keeps only the sha256 of a secret and lists tokens without it', async () => {
    const store = await open();
    const token = await store.createToken({ ttlMs: 3_600_000, description: 'kitchen pis' });
    expect(token.id).toMatch(/^[a-z0-9]{6}$/);
    expect(token.secret).toMatch(/^[a-z0-9]{24}$/);
    expect(token.expires).toBe('2026-01-01T01:00:00.000Z');
    expect(store.listTokens()).toEqual([{ id: token.id, description: 'kitchen pis', created: '2026-01-01T00:00:00.000Z', expires: '2026-01-01T01:00:00.000Z' }]);
    const text = await readFile(join(dir, 'auth.json'), 'utf8');
    expect(text).not.toContain(token.secret);
    expect((await open()).listTokens()).toEqual(store.listTokens());
  });

  it('a token is refused once expired, and no longer listed; a ttl of null never expires', async () => {
    const store = await open();
    const short = await tokenOf(store, 1000);
    const forever = await tokenOf(store, null);
    nowMs += 999;
    expect((await store.join('pi-1', short)).ok).toBe(true);
    nowMs += 1;
    expect(await store.join('pi-2', short)).toEqual({ ok: false });
    expect(store.listTokens().map((t) => t.expires)).toEqual([null]);
    nowMs += 10 * 365 * 24 * 3_600_000;
    expect((await store.join('pi-3', forever)).ok).toBe(true);
  });

  it('a deleted token is refused; deleting an unknown one says so', async () => {
    const store = await open();
    const token = await tokenOf(store);
    const id = token.split('.')[0] ?? '';
    expect(await store.deleteToken(id)).toBe(true);
    expect(await store.deleteToken(id)).toBe(false);
    expect(await store.join('pi-1', token)).toEqual({ ok: false });
    expect(store.listTokens()).toEqual([]);
    expect((await open()).listTokens()).toEqual([]);
  });

  it('a wrong secret, an unknown id and a malformed token are refused alike, each through the constant-time comparison', async () => {
    const store = await open();
    const token = await tokenOf(store);
    const [id = '', secret = ''] = token.split('.');
    const wrongSecret = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    for (const attempt of [wrongSecret, `zzzzzz.${secret}`, 'garbage', '']) {
      compared.length = 0;
      expect(await store.join('pi-1', attempt)).toEqual({ ok: false });
      expect(compared).toHaveLength(1);
      expect(compared[0]?.[0]).toHaveLength(32);
      expect(compared[0]?.[1]).toHaveLength(32);
    }
    expect(store.credentials().filter((c) => c.username.startsWith('node.'))).toEqual([]);
    compared.length = 0;
    expect((await store.join('pi-1', token)).ok).toBe(true);
    expect(compared).toHaveLength(1);
  });
});

describe('node credentials', () => {
  it('a join gives the node a credential for its own client id only', async () => {
    const store = await open();
    const joined = await store.join('pi-1', await tokenOf(store));
    if (!joined.ok) throw new Error('refused');
    expect(joined.username).toBe('node.pi-1');
    expect(store.authenticate('node.pi-1', joined.password, 'baton-agent-pi-1')).toEqual({ kind: 'node', node: 'pi-1' });
    expect(store.authenticate('node.pi-1', joined.password, 'baton-agent-pi-2')).toBeUndefined();
    expect(store.authenticate('node.pi-2', joined.password, 'baton-agent-pi-2')).toBeUndefined();
    const reloaded = await open();
    expect(reloaded.authenticate('node.pi-1', joined.password, 'baton-agent-pi-1')).toEqual({ kind: 'node', node: 'pi-1' });
  });

  it('joining again replaces the credential: the old password stops working', async () => {
    const store = await open();
    const token = await tokenOf(store);
    const first = await store.join('pi-1', token);
    const second = await store.join('pi-1', token);
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(second.password).not.toBe(first.password);
    expect(store.authenticate('node.pi-1', first.password, 'baton-agent-pi-1')).toBeUndefined();
    expect(store.authenticate('node.pi-1', second.password, 'baton-agent-pi-1')).toEqual({ kind: 'node', node: 'pi-1' });
    expect(store.credentials().filter((c) => c.username === 'node.pi-1')).toHaveLength(1);
  });

  it('removing a node deletes its credential; listeners hear which credentials changed, and of nothing else', async () => {
    const store = await open();
    const changes: (readonly string[])[] = [];
    store.onChange((usernames) => changes.push(usernames));
    await store.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    expect(changes).toEqual([['admin', 'coordinator']]);
    const token = await tokenOf(store);
    await store.join('pi-2', 'nope.nope');
    expect(changes).toHaveLength(1);
    const joined = await store.join('pi-1', token);
    if (!joined.ok) throw new Error('refused');
    await store.join('pi-1', token);
    expect(changes.slice(1)).toEqual([['node.pi-1'], ['node.pi-1']]);
    expect(store.hasNodeCredential('pi-1')).toBe(true);
    expect(await store.removeNode('pi-1')).toBe(true);
    expect(store.hasNodeCredential('pi-1')).toBe(false);
    expect(changes.slice(3)).toEqual([['node.pi-1']]);
    expect(store.authenticate('node.pi-1', joined.password, 'baton-agent-pi-1')).toBeUndefined();
    expect(await store.removeNode('pi-1')).toBe(false);
    await store.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
    expect(changes).toHaveLength(4);
    expect((await open()).credentials().map((c) => c.username)).toEqual(['admin', 'coordinator']);
  });

  it('concurrent joins are all written', async () => {
    const store = await open();
    const token = await tokenOf(store);
    const names = Array.from({ length: 20 }, (_, i) => `pi-${i}`);
    const results = await Promise.all(names.map((name) => store.join(name, token)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await open()).credentials()).toHaveLength(20);
  });
});

describe('a bad auth file', () => {
  it.each([
    ['not JSON', '{"format": "baton-auth", ', /auth file .*auth\.json is corrupt \(not valid JSON/],
    ['the wrong shape', '{"format":"baton-auth","version":1,"tokens":{"abc123":{"id":"xyz789"}},"credentials":{}}', /auth file .*auth\.json is invalid \(tokens\.abc123/],
    ['a newer version', '{"format":"baton-auth","version":2,"tokens":{},"credentials":{}}', /is invalid \(version: unsupported value 2: must be 1\)/],
  ])('%s: refused with the file named, and left untouched', async (_name, text, message) => {
    await writeFile(join(dir, 'auth.json'), text);
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('left untouched');
    expect(await readFile(join(dir, 'auth.json'), 'utf8')).toBe(text);
  });

  it('unreadable: refused with the file named', async () => {
    await mkdir(join(dir, 'auth.json'));
    await expect(open()).rejects.toThrow(/auth file .*auth\.json cannot be read/);
  });
});
