import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JoinRefusedError, JoinUnavailableError, joinCoordinator } from '../../agent/join.js';
import { ensurePki, type Pki } from '../../coordinator/auth/pki.js';
import { freePort } from '../support/ports.js';
import { startJoinCoordinator } from './join-coordinator.js';

/** The join client (agent/join.ts) against real servers on loopback: what it trusts, and how it fails. */

const TOKEN = { id: 'abc123', secret: 'k'.repeat(24) };
let base: string;
let pkiA: Pki;
let pkiB: Pki;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'baton-join-client-'));
  // Their host name and interfaces left out: the SANs are the loopback names only.
  const machine = { hostname: 'elsewhere', interfaces: {} };
  pkiA = await ensurePki(join(base, 'a'), machine);
  pkiB = await ensurePki(join(base, 'b'), machine);
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function standIn(options: { host?: string; caPem: string; server: Pki }): Promise<string> {
  const started = await startJoinCoordinator({
    port: await freePort(),
    ...(options.host !== undefined ? { host: options.host } : {}),
    caPem: options.caPem,
    certPem: options.server.serverCertPem,
    keyPem: options.server.serverKeyPem,
    token: `${TOKEN.id}.${TOKEN.secret}`,
    credentials: (node) => ({ username: `node.${node}`, password: 'pw', broker: 'mqtts://127.0.0.1:8883', ca: pkiA.caCertPem }),
  });
  closers.push(() => started.close());
  return started.url;
}

async function plainServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('it joined'), (error: unknown) => error);

describe('joinCoordinator', () => {
  it('joins by an address its certificate does not name: no host name check, the pinned CA is enough', async () => {
    const server = await standIn({ host: '127.0.0.2', caPem: pkiA.caCertPem, server: pkiA });
    const credentials = await joinCoordinator({ server, node: 'pi-1', token: { ...TOKEN, caSha256: pkiA.caSha256 } });
    expect(credentials).toMatchObject({ node: 'pi-1', username: 'node.pi-1', password: 'pw' });
  });

  it('trusts the pinned certificate alone, not another one sent beside it', async () => {
    // /ca.crt holds A (pinned, first) and B; the TLS server's certificate is B's.
    const server = await standIn({ caPem: pkiA.caCertPem + pkiB.caCertPem, server: pkiB });
    const error = await failure(joinCoordinator({ server, node: 'pi-1', token: { ...TOKEN, caSha256: pkiA.caSha256 } }));
    expect(error).toBeInstanceOf(JoinUnavailableError);
    expect((error as Error).message).toMatch(/\/join: its TLS certificate is not signed by the pinned CA/);
  });

  it('a reply whose CA is not the pinned one is refused', async () => {
    const started = await startJoinCoordinator({
      port: await freePort(),
      caPem: pkiA.caCertPem,
      certPem: pkiA.serverCertPem,
      keyPem: pkiA.serverKeyPem,
      token: `${TOKEN.id}.${TOKEN.secret}`,
      credentials: (node) => ({ username: `node.${node}`, password: 'pw', broker: 'mqtts://127.0.0.1:8883', ca: pkiB.caCertPem }),
    });
    closers.push(() => started.close());
    const error = await failure(joinCoordinator({ server: started.url, node: 'pi-1', token: { ...TOKEN, caSha256: pkiA.caSha256 } }));
    expect(error).toBeInstanceOf(JoinRefusedError);
    expect((error as Error).message).toMatch(/answered a CA other than the pinned one/);
  });

  it.each([
    ['a 404 for /ca.crt', (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(404).end('no'), /ca\.crt answered 404: is http:\/\/127\.0\.0\.1:\d+ the coordinator's HTTP address/],
    ['no certificate', (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200).end('hello'), /did not answer a certificate/],
    ['an answer far too large', (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200).end('x'.repeat(200_000)), /the answer is larger than 65536 bytes/],
    ['no answer at all', () => undefined, /no answer within 300 ms/],
  ])('%s: unavailable, to be tried again', async (_what, handler, message) => {
    const server = await plainServer(handler);
    const error = await failure(joinCoordinator({ server, node: 'pi-1', token: { ...TOKEN, caSha256: pkiA.caSha256 }, timeoutMs: 300 }));
    expect(error).toBeInstanceOf(JoinUnavailableError);
    expect((error as Error).message).toMatch(message);
  });

  it('nobody listening: unavailable, saying so', async () => {
    const error = await failure(joinCoordinator({ server: `http://127.0.0.1:${await freePort()}`, node: 'pi-1', token: { ...TOKEN, caSha256: pkiA.caSha256 } }));
    expect(error).toBeInstanceOf(JoinUnavailableError);
    expect((error as Error).message).toMatch(/cannot reach the coordinator at http:\/\/127\.0\.0\.1:\d+\/ca\.crt: connection refused/);
  });
});
