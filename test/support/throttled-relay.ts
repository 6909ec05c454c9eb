import { createConnection, createServer, type Socket } from 'node:net';
import { freePort } from './ports.js';

/**
 * A TCP relay on 127.0.0.1 in front of a registry: it slows the registry's answers to
 * `bytesPerSecond` (all connections together), so a pull of a few MB lasts long enough to
 * be watched, and it keeps the HTTP request lines the engine sent (`GET /v2/...`), so a
 * test can count what was fetched. Docker treats 127.0.0.0/8 registries as insecure, so
 * the relay's address works as a registry host without TLS.
 */
export interface ThrottledRelay {
  /** `127.0.0.1:PORT`: use it in image names instead of the registry's host. */
  readonly host: string;
  /** Every request line seen so far, `METHOD PATH`, in order. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

const REQUEST_LINE = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.[01]$/;

export async function startThrottledRelay(target: string, bytesPerSecond: number): Promise<ThrottledRelay> {
  const [targetHost = '127.0.0.1', targetPort = ''] = target.split(':');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  // When the shared link is free again (epoch ms): each chunk takes its share of the rate.
  let freeAt = 0;

  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ host: targetHost, port: Number(targetPort), allowHalfOpen: true });
    sockets.add(client).add(upstream);
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      // Pulls send no request bodies, so every CRLF-ended line is a header or a request line.
      pending += chunk.toString('latin1');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = REQUEST_LINE.exec(line);
        if (match) requests.push(`${match[1]} ${match[2]}`);
      }
      upstream.write(chunk);
    });
    // Chunks held back, and whether the registry has ended: its end follows the last chunk.
    let held = 0;
    let isEnded = false;
    upstream.on('data', (chunk: Buffer) => {
      const now = Date.now();
      const at = Math.max(now, freeAt);
      freeAt = at + (chunk.length / bytesPerSecond) * 1000;
      held++;
      upstream.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        held--;
        if (!client.destroyed) client.write(chunk);
        if (held === 0 && isEnded) client.end();
        else upstream.resume();
      }, at - now);
      timers.add(timer);
    });
    // The engine half-closes after a `Connection: close` request, while the answer is still
    // held back here: the relay keeps writing (half-open), and does not pass that end on, as
    // the registry would drop the answer. The registry closes after answering.
    upstream.on('end', () => {
      isEnded = true;
      if (held === 0) client.end();
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => sockets.delete(upstream));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    requests,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
