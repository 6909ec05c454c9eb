import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, type Pki } from '../../coordinator/auth/pki.js';

/**
 * The certificates ensurePki builds by hand, judged by OpenSSL's own tools and by a real
 * TLS handshake in Node: the chain verifies, the names are there, and a client trusting
 * the CA gets in by address and by name while one trusting another CA does not.
 */

const run = promisify(execFile);

let dir: string;
let pki: Pki;
let other: Pki;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-pki-'));
  pki = await ensurePki(join(dir, 'tls'), { sans: ['hub.example.test', '10.77.0.1'] });
  other = await ensurePki(join(dir, 'other'));
  server = createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (socket) => socket.end('hello from the coordinator\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What a client trusting `ca` reads from the server, or the code of its failure. */
function handshake(options: { ca: string; servername?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: [options.ca], ...(options.servername !== undefined ? { servername: options.servername } : {}) }, () => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("ensurePki's certificates", () => {
  it('pass openssl verify against the CA, and fail against another CA', async () => {
    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', pki.paths.caCert, pki.paths.serverCert]);
    expect(stdout.trim()).toBe(`${pki.paths.serverCert}: OK`);
    const refused = await run('openssl', ['verify', '-CAfile', other.paths.caCert, pki.paths.serverCert]).then(() => 'verified', (error: { stdout: string; stderr: string }) => error.stdout + error.stderr);
    expect(refused).toMatch(/unable to get local issuer certificate/);
  });

  it('show the names, the CA constraints and the key usages in openssl x509 -text', async () => {
    const server = (await run('openssl', ['x509', '-in', pki.paths.serverCert, '-noout', '-text'])).stdout;
    const sans = /X509v3 Subject Alternative Name: *\n\s*(.*)/.exec(server)?.[1] ?? '';
    for (const expected of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', 'DNS:hub.example.test', 'IP Address:10.77.0.1']) expect(sans).toContain(expected);
    expect(server).toMatch(/X509v3 Basic Constraints: critical\n\s*CA:FALSE/);
    expect(server).toMatch(/X509v3 Key Usage: critical\n\s*Digital Signature\n/);
    expect(server).toMatch(/X509v3 Extended Key Usage: *\n\s*TLS Web Server Authentication/);
    expect(server).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(server).toMatch(/NIST CURVE: P-256/);
    const ca = (await run('openssl', ['x509', '-in', pki.paths.caCert, '-noout', '-text'])).stdout;
    expect(ca).toMatch(/X509v3 Basic Constraints: critical\n\s*CA:TRUE, pathlen:0/);
    expect(ca).toMatch(/X509v3 Key Usage: critical\n\s*Digital Signature, Certificate Sign, CRL Sign/);
    const caKeyId = /X509v3 Subject Key Identifier: *\n\s*(\S+)/.exec(ca)?.[1];
    expect(caKeyId).toMatch(/^[0-9A-F:]{59}$/);
    expect(/X509v3 Authority Key Identifier: *\n\s*(?:keyid:)?(\S+)/.exec(server)?.[1]).toBe(caKeyId);
  });

  it('give the CA pin that openssl computes', async () => {
    const { stdout } = await run('sh', ['-c', `openssl x509 -in '${pki.paths.caCert}' -outform DER | sha256sum`]);
    expect(stdout.split(' ')[0]).toBe(pki.caSha256);
  });

  it('let node:tls in with the CA, by address and by name (with the host name checked), and not with another CA', async () => {
    expect(await handshake({ ca: pki.caCertPem })).toBe('hello from the coordinator\n');
    expect(await handshake({ ca: pki.caCertPem, servername: 'localhost' })).toBe('hello from the coordinator\n');
    expect(await handshake({ ca: pki.caCertPem, servername: 'hub.example.test' })).toBe('hello from the coordinator\n');
    expect(await handshake({ ca: pki.caCertPem, servername: 'not-this-hub.example.test' })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(await handshake({ ca: other.caCertPem })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await handshake({ ca: other.caCertPem, servername: 'localhost' })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
