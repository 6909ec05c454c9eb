import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createSniffingServer } from '../../coordinator/http/tls-sniff.js';
import { JOIN_OVER_HTTPS, JOIN_TOKEN_REFUSED, type JoinReply } from '../../protocol/join.js';

/**
 * A stand-in for the coordinator's two join routes as the contract has them, on one port
 * that speaks both plain HTTP and TLS (the coordinator's own first-byte sniffing): `GET /ca.crt` and `POST /join` (TLS only). It accepts one token and answers
 * the credentials it was given; it records what it was asked.
 */
export interface JoinCoordinator {
  readonly url: string;
  /** Each request: method, path, and whether it came over TLS. */
  readonly requests: { method: string; path: string; tls: boolean }[];
  /** The bodies of the POST /join requests, parsed. */
  readonly joins: unknown[];
  close(): Promise<void>;
}

export interface JoinCoordinatorOptions {
  port: number;
  /** A loopback address; 127.0.0.1 unless told. */
  host?: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** `<id>.<secret>` of the one token accepted. */
  token: string;
  /** The reply to a join of node N, less what the request decides. */
  credentials: (node: string) => Omit<JoinReply, 'protocol' | 'node'>;
}

export async function startJoinCoordinator(options: JoinCoordinatorOptions): Promise<JoinCoordinator> {
  const requests: JoinCoordinator['requests'] = [];
  const joins: unknown[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const tls = (req.socket as TLSSocket).encrypted === true;
    requests.push({ method: req.method ?? '', path: req.url ?? '', tls });
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/ca.crt') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(options.caPem);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/join') {
      json(404, { error: 'not found' });
      return;
    }
    if (!tls) {
      json(403, { error: JOIN_OVER_HTTPS });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: { node?: unknown; token?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString()) as typeof body;
      } catch {
        json(400, { error: 'not JSON' });
        return;
      }
      joins.push(body);
      if (body.token !== options.token || typeof body.node !== 'string') {
        json(401, { error: JOIN_TOKEN_REFUSED });
        return;
      }
      const reply: JoinReply = { protocol: 'v1', node: body.node, ...options.credentials(body.node) };
      json(200, reply);
    });
  };
  const http = createHttpServer(handle);
  const https = createHttpsServer({ cert: options.certPem, key: options.keyPem }, handle);
  // The coordinator's own sniffing of the first byte: plain HTTP and TLS on one port.
  const server = createSniffingServer(http, https);
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port, host);
  await once(server, 'listening');
  return {
    url: `http://${host}:${options.port}`,
    requests,
    joins,
    async close() {
      server.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
