import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, type Pki } from '../../coordinator/auth/pki.js';
import { InstallServer } from '../../coordinator/http/install-server.js';
import { createLogger } from '../../protocol/log.js';

/**
 * The install server's one port speaking plain HTTP and HTTPS (the coordinator's server
 * certificate), told apart by each connection's first byte; `/ca.crt` over both. Without
 * a certificate it is plain HTTP only, as before, and has no CA to give.
 */

const run = promisify(execFile);
const INSTALLER = "#!/bin/sh\nDEFAULT_SERVER=''\nDEFAULT_BROKER=''\n";

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

function get(scheme: 'http' | 'https', port: number, path: string, ca?: string): Promise<Reply> {
  const request = scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, ...(ca !== undefined ? { ca: [ca], servername: 'localhost' } : {}) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let pki: Pki;
let other: Pki;
let server: InstallServer;
let plainOnly: InstallServer;
let port: number;
let plainPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-install-tls-'));
  pki = await ensurePki(join(dir, 'tls'));
  other = await ensurePki(join(dir, 'other'));
  const common = { host: '127.0.0.1', port: 0, binariesDir: join(dir, 'no-binaries'), installer: INSTALLER, unit: '[Unit]\n', broker: { kind: 'embedded' as const, port: 1883 }, log: createLogger('test', 'silent') };
  server = new InstallServer({ ...common, tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, caCert: pki.caCertPem } });
  port = (await server.start()).port;
  plainOnly = new InstallServer(common);
  plainPort = (await plainOnly.start()).port;
});

afterAll(async () => {
  await server?.stop();
  await plainOnly?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the install server with a server certificate', () => {
  it('serves /ca.crt over plain HTTP and over HTTPS on the same port', async () => {
    const plain = await get('http', port, '/ca.crt');
    expect(plain).toEqual({ status: 200, type: 'application/x-pem-file', body: pki.caCertPem });
    expect(await get('https', port, '/ca.crt', pki.caCertPem)).toEqual(plain);
  });

  it('still serves the installer over plain HTTP', async () => {
    const reply = await get('http', port, '/install.sh');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(`DEFAULT_SERVER='http://127.0.0.1:${port}'`);
  });

  it('is reached by curl --cacert over https, by address and by name; curl without the CA refuses it', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const { stdout } = await run('curl', ['-sS', '--fail', '--cacert', pki.paths.caCert, `https://${host}:${port}/ca.crt`]);
      expect(stdout).toBe(pki.caCertPem);
    }
    const { stdout } = await run('curl', ['-sS', '--fail', '--cacert', pki.paths.caCert, `https://127.0.0.1:${port}/install.sh`]);
    expect(stdout).toContain("DEFAULT_SERVER='http://127.0.0.1:");
    const refused = await run('curl', ['-sS', `https://127.0.0.1:${port}/ca.crt`]).then(() => 0, (error: { code: number }) => error.code);
    expect(refused).toBe(60); // peer certificate cannot be authenticated with known CA certificates
    const otherCa = await run('curl', ['-sS', '--cacert', other.paths.caCert, `https://127.0.0.1:${port}/ca.crt`]).then(() => 0, (error: { code: number }) => error.code);
    expect(otherCa).toBe(60);
  });

  it('keeps serving after a client that said nothing, one that failed its handshake, and one that reset', async () => {
    const silent = netConnect({ host: '127.0.0.1', port });
    await new Promise((resolve) => silent.once('connect', resolve));
    await expect(get('https', port, '/ca.crt', other.caCertPem)).rejects.toThrow(/unable to verify the first certificate/);
    const reset = netConnect({ host: '127.0.0.1', port }, () => reset.resetAndDestroy());
    await new Promise((resolve) => reset.once('close', resolve));
    expect((await get('https', port, '/ca.crt', pki.caCertPem)).status).toBe(200);
    expect((await get('http', port, '/ca.crt')).status).toBe(200);
    silent.destroy();
  });
});

describe('the install server without a certificate', () => {
  it('answers /ca.crt with 404 and does not speak TLS', async () => {
    expect(await get('http', plainPort, '/ca.crt')).toEqual({ status: 404, type: 'text/plain; charset=utf-8', body: 'this coordinator serves no TLS, so it has no CA certificate\n' });
    await expect(get('https', plainPort, '/ca.crt', pki.caCertPem)).rejects.toThrow();
    expect((await get('http', plainPort, '/install.sh')).status).toBe(200);
  });
});
