import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caSha256 } from '../../protocol/ca-pin.js';
import { ensurePki, PkiError, pkiDir, type PkiOptions } from './pki.js';

const DAY = 24 * 3600_000;
const start = new Date('2026-03-01T12:00:00Z');
const machine: PkiOptions = { hostname: 'hub', interfaces: { eth0: [{ address: '192.168.1.10', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null }] }, now: start };

let stateDir: string;
let dir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'baton-pki-'));
  dir = pkiDir(stateDir);
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const mode = async (name: string): Promise<number> => (await stat(join(dir, name))).mode & 0o777;

describe('ensurePki', () => {
  it('makes a CA and a server certificate in <state dir>/tls, keys 0600, and gives the pin', async () => {
    const pki = await ensurePki(dir, { ...machine, sans: ['hub.example.org'] });
    expect(pki.caCreated).toBe(true);
    expect(pki.serverIssued).toBe('missing');
    expect(pki.paths).toEqual({ caCert: join(stateDir, 'tls', 'ca.crt'), caKey: join(stateDir, 'tls', 'ca.key'), serverCert: join(stateDir, 'tls', 'server.crt'), serverKey: join(stateDir, 'tls', 'server.key') });
    expect(await mode('ca.key')).toBe(0o600);
    expect(await mode('server.key')).toBe(0o600);
    expect((await stat(dir)).mode & 0o077).toBe(0);
    expect(await readFile(pki.paths.caCert, 'utf8')).toBe(pki.caCertPem);
    expect(await readFile(pki.paths.serverKey, 'utf8')).toBe(pki.serverKeyPem);
    expect(pki.caSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pki.caSha256).toBe(caSha256(pki.caCertPem));
    const ca = new X509Certificate(pki.caCertPem);
    const server = new X509Certificate(pki.serverCertPem);
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:hub, DNS:hub.local, IP Address:192.168.1.10, DNS:hub.example.org');
    // A day early for a Pi whose clock lags; ten years and two years on.
    expect(new Date(ca.validFrom).getTime()).toBe(Math.floor(start.getTime() / 1000) * 1000 - DAY);
    expect(new Date(ca.validTo).getTime()).toBe(start.getTime() + 3650 * DAY);
    expect(new Date(server.validTo).getTime()).toBe(start.getTime() + 730 * DAY);
  });

  it('keeps everything on a second call', async () => {
    const first = await ensurePki(dir, machine);
    const second = await ensurePki(dir, { ...machine, now: new Date(start.getTime() + 100 * DAY) });
    expect(second.caCreated).toBe(false);
    expect(second.serverIssued).toBeUndefined();
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caSha256).toBe(first.caSha256);
    expect(second.serverCertPem).toBe(first.serverCertPem);
    expect(second.serverKeyPem).toBe(first.serverKeyPem);
  });

  it.each<[string, (first: Awaited<ReturnType<typeof ensurePki>>) => Promise<PkiOptions>, RegExp]>([
    ['is missing', async () => { await unlink(join(dir, 'server.crt')); return machine; }, /^missing$/],
    ['lost its key', async () => { await unlink(join(dir, 'server.key')); return machine; }, /^missing$/],
    ['does not match its key', async () => {
      const other = await ensurePki(join(stateDir, 'other'), machine);
      await writeFile(join(dir, 'server.key'), other.serverKeyPem);
      return machine;
    }, /^not the certificate of server.key$/],
    ['was signed by another CA', async () => {
      const other = await ensurePki(join(stateDir, 'other'), machine);
      await writeFile(join(dir, 'server.crt'), other.serverCertPem);
      await writeFile(join(dir, 'server.key'), other.serverKeyPem);
      return machine;
    }, /^not signed by this CA$/],
    ['expires within 30 days', async () => ({ ...machine, now: new Date(start.getTime() + 701 * DAY) }), /^expires on /],
    ['is not valid yet (the clock went back)', async () => ({ ...machine, now: new Date(start.getTime() - 2 * DAY) }), /^not valid before /],
    ['lacks a new --tls-san', async () => ({ ...machine, sans: ['10.9.8.7', 'hub.example.org'] }), /^does not name 10\.9\.8\.7, hub\.example\.org$/],
    ['lacks a new interface address', async () => ({ ...machine, interfaces: { wlan0: [{ address: 'fd00::7', netmask: 'ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 }] } }), /^does not name fd00::7$/],
    ['is garbage', async () => { await writeFile(join(dir, 'server.crt'), 'garbage'); return machine; }, /^unreadable: /],
  ])('issues the server certificate again, with the same CA, when it %s', async (_why, change, reason) => {
    const first = await ensurePki(dir, machine);
    const options = await change(first);
    const second = await ensurePki(dir, options);
    expect(second.serverIssued).toMatch(reason);
    expect(second.caCreated).toBe(false);
    expect(second.caSha256).toBe(first.caSha256);
    expect(second.serverCertPem).not.toBe(first.serverCertPem);
    const server = new X509Certificate(await readFile(join(dir, 'server.crt'), 'utf8'));
    expect(server.verify(new X509Certificate(first.caCertPem).publicKey)).toBe(true);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).toBe(second.serverKeyPem);
    // And then it is kept.
    expect((await ensurePki(dir, options)).serverIssued).toBeUndefined();
  });

  it('makes a new CA when ca.crt is gone (nothing can have pinned it), even if a ca.key is left', async () => {
    const first = await ensurePki(dir, machine);
    await unlink(join(dir, 'ca.crt'));
    const second = await ensurePki(dir, machine);
    expect(second.caCreated).toBe(true);
    expect(second.caSha256).not.toBe(first.caSha256);
    expect(second.serverIssued).toBe('not signed by this CA');
  });

  it('refuses to go on when ca.key is gone or is not the CA key, saying what to do', async () => {
    await ensurePki(dir, machine);
    const other = join(stateDir, 'other');
    await ensurePki(other, machine);
    await writeFile(join(dir, 'ca.key'), await readFile(join(other, 'ca.key')));
    await expect(ensurePki(dir, machine)).rejects.toThrow(new PkiError(`${join(dir, 'ca.key')} is not the key of ${join(dir, 'ca.crt')}: restore it, or remove ${join(dir, 'ca.crt')} to make a new CA (every node must then join again with a new token)`));
    await unlink(join(dir, 'ca.key'));
    await expect(ensurePki(dir, machine)).rejects.toThrow(/ca\.key is missing, so .*ca\.crt cannot sign anything: restore it/);
  });

  it('refuses an expired CA', async () => {
    await ensurePki(dir, machine);
    await expect(ensurePki(dir, { ...machine, now: new Date(start.getTime() + 3651 * DAY) })).rejects.toThrow(/the CA in .*ca\.crt expired on .*: remove .*ca\.crt to make a new CA/);
  });
});
