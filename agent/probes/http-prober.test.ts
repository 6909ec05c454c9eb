import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.js';
import { waitFor } from '../../test/support/wait.js';
import { BATON_VERSION } from '../../protocol/version.js';
import { probeHttp, type HttpProbeRequest } from './http-prober.js';

interface Seen {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

/** A real server on loopback; `closed` counts the client connections that have ended. */
interface TestServer {
  readonly port: number;
  readonly seen: Seen[];
  closed: number;
}

const servers: (http.Server | https.Server)[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener, tls?: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const state: { seen: Seen[]; closed: number } = { seen: [], closed: 0 };
  const listener: http.RequestListener = (req, res) => {
    state.seen.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    handler(req, res);
  };
  const server = tls !== undefined ? https.createServer(tls, listener) : http.createServer(listener);
  server.on('connection', (socket) => socket.on('close', () => state.closed++));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, { port });
}

function request(port: number, overrides: Partial<HttpProbeRequest> = {}): HttpProbeRequest {
  return { scheme: 'HTTP', host: '127.0.0.1', port, path: '/healthz', timeoutMs: 2000, ...overrides };
}

describe('probeHttp', () => {
  it('succeeds for 200, with a GET carrying the path, headers and a Baton User-Agent', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const outcome = await probeHttp(
      request(server.port, {
        path: '/healthz?deep=1',
        headers: [
          { name: 'X-Custom', value: 'a' },
          { name: 'X-Custom', value: 'b' },
          { name: 'Host', value: 'app.local' },
        ],
      }),
    );
    expect(outcome).toEqual({ success: true, message: 'HTTP probe succeeded with statuscode: 200' });
    expect(server.seen).toHaveLength(1);
    const seen = server.seen[0];
    expect(seen?.url).toBe('/healthz?deep=1');
    expect(seen?.headers['user-agent']).toBe(`baton-probe/${BATON_VERSION}`);
    expect(seen?.headers.accept).toBe('*/*');
    expect(seen?.headers.host).toBe('app.local');
    expect(seen?.headers['x-custom']).toBe('a, b');
  });

  it('keeps a User-Agent the manifest sets', async () => {
    const server = await serve((_req, res) => res.end());
    await probeHttp(request(server.port, { headers: [{ name: 'User-Agent', value: 'mine/1' }] }));
    expect(server.seen[0]?.headers['user-agent']).toBe('mine/1');
  });

  it.each([200, 204, 301, 399])('succeeds for %i', async (status) => {
    const server = await serve((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    expect((await probeHttp(request(server.port))).success).toBe(true);
  });

  it.each([400, 404, 500, 503])('fails for %i with kubelet\'s message', async (status) => {
    const server = await serve((_req, res) => {
      res.statusCode = status;
      res.end('down');
    });
    expect(await probeHttp(request(server.port))).toEqual({ success: false, message: `HTTP probe failed with statuscode: ${status}` });
  });

  it('does not follow a redirect: a 302 is a success by itself', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else {
        res.statusCode = 500;
        res.end();
      }
    });
    expect(await probeHttp(request(server.port))).toEqual({ success: true, message: 'HTTP probe succeeded with statuscode: 302' });
    expect(server.seen.map((s) => s.url)).toEqual(['/healthz']);
  });

  it('fails when nothing listens, as a refused connection', async () => {
    const port = await freePort();
    expect(await probeHttp(request(port))).toEqual({
      success: false,
      message: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('ends a request the server never answers at the timeout, closing the connection', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const outcome = await probeHttp(request(server.port, { timeoutMs: 300 }));
    const took = Date.now() - started;
    expect(outcome).toEqual({
      success: false,
      message: `Get "http://127.0.0.1:${server.port}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
    // The server sees the probe's connection go: nothing lingers after the timeout.
    await waitFor('the probe connection to close', () => server.closed === 1, { timeoutMs: 2000, intervalMs: 10 });
  });

  it('times out a body that never ends, and fails', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const outcome = await probeHttp(request(server.port, { timeoutMs: 300 }));
    expect(outcome.success).toBe(false);
    expect(outcome.message).toContain('context deadline exceeded');
    await waitFor('the probe connection to close', () => server.closed === 1, { timeoutMs: 2000, intervalMs: 10 });
  });

  it('reads at most about 10 KiB of an endless body, then decides and hangs up', async () => {
    const chunk = Buffer.alloc(4096, 'x');
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const outcome = await probeHttp(request(server.port, { timeoutMs: 5000 }));
    expect(outcome).toEqual({ success: true, message: 'HTTP probe succeeded with statuscode: 200' });
    await waitFor('the probe connection to close', () => server.closed === 1, { timeoutMs: 2000, intervalMs: 10 });
  });

  it('ends at once when its signal aborts', async () => {
    const server = await serve(() => undefined);
    const controller = new AbortController();
    const pending = probeHttp(request(server.port, { timeoutMs: 60_000, signal: controller.signal }));
    await waitFor('the request to arrive', () => server.seen.length === 1, { timeoutMs: 2000, intervalMs: 10 });
    controller.abort();
    expect(await pending).toEqual({ success: false, message: `Get "http://127.0.0.1:${server.port}/healthz": probe canceled` });
    await waitFor('the probe connection to close', () => server.closed === 1, { timeoutMs: 2000, intervalMs: 10 });
  });

  it('fails with a message, not a throw, for a header Node refuses', async () => {
    const server = await serve((_req, res) => res.end());
    const outcome = await probeHttp(request(server.port, { headers: [{ name: 'X-Bad', value: 'a\nb' }] }));
    expect(outcome.success).toBe(false);
    expect(server.seen).toHaveLength(0);
  });

  describe('over HTTPS', () => {
    let tls: { key: Buffer; cert: Buffer };

    beforeAll(() => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-probe-tls-'));
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=pod.invalid', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
        tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('succeeds against a self-signed certificate for another name, as kubelet does', async () => {
      const server = await serve((_req, res) => res.end('secure'), tls);
      expect(await probeHttp(request(server.port, { scheme: 'HTTPS' }))).toEqual({ success: true, message: 'HTTP probe succeeded with statuscode: 200' });
      expect(server.seen).toHaveLength(1);
    });

    it('fails with the status over HTTPS too', async () => {
      const server = await serve((_req, res) => {
        res.statusCode = 503;
        res.end();
      }, tls);
      expect(await probeHttp(request(server.port, { scheme: 'HTTPS' }))).toEqual({ success: false, message: 'HTTP probe failed with statuscode: 503' });
    });
  });
});
