import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../protocol/log.js';
import { agentBrokerUrl, type BrokerForAgents } from './agent-broker.js';
import { BinaryCatalog, type CatalogView } from './binary-catalog.js';
import { parseHostHeader, urlHost } from './host-header.js';
import { answerJoin, type JoinRouteOptions } from './join-route.js';
import { readBody } from './request-body.js';
import { allowedMethods, matchRoute, targetPath } from './routes.js';
import { checkInstallerTemplate, fillInstallerDefaults } from './served-script.js';
import { createSniffingServer, type SniffedServer } from './tls-sniff.js';

/**
 * The coordinator's HTTP side: the agent installer, the agent's unit and the agent
 * binaries, so that `curl -sfL http://<server>:8484/install.sh | sh -s -- --token T` is
 * the whole join of a Pi. GET and HEAD only; plain text errors of one line. Binaries are
 * streamed from disk (they are ~100 MB), never held in memory; a client that goes away
 * mid-download only ends its own stream.
 *
 * With `tls`, the same port also speaks HTTPS with the coordinator's server certificate
 * (tls-sniff.ts tells the two apart by the first byte), and `GET /ca.crt` hands out the
 * CA, over either: an agent fetches it over plain HTTP, checks it against its token's
 * pin, and from then on talks HTTPS trusting that CA alone.
 */

export interface InstallServerOptions {
  host: string;
  port: number;
  binariesDir: string;
  /** `scripts/install-agent.sh` as built into the program. */
  installer: string;
  /** `systemd/baton-agent.service` as built into the program. */
  unit: string;
  broker: BrokerForAgents;
  log: Logger;
  /** PEM strings from ensurePki; undefined: plain HTTP only and no /ca.crt. */
  tls?: { cert: string; key: string; caCert: string };
  /**
   * Authentication on: `POST /join` (over TLS) trades join tokens for node credentials.
   * `mqttsPort`: the embedded broker's TLS listener, named in the reply as
   * `mqtts://<request host>:<port>`; without it the reply names the broker as the
   * installer does. Undefined: no joins (404).
   */
  join?: { store: JoinRouteOptions['store']; mqttsPort?: number };
}

const ENDPOINTS = '/install.sh, /baton-agent.service, /binaries/SHA256SUMS, /binaries/<name>, /ca.crt and POST /join';

/** True for a request that came in over TLS (on the HTTPS side of the port). */
export function isTlsRequest(request: IncomingMessage): boolean {
  return (request.socket as Partial<TLSSocket>).encrypted === true;
}

export class InstallServer {
  private server: SniffedServer | undefined;
  private http: Server | undefined;
  private https: HttpsServer | undefined;
  private readonly catalog: BinaryCatalog;

  constructor(private readonly options: InstallServerOptions) {
    this.catalog = new BinaryCatalog(options.binariesDir);
  }

  /** Listens; rejects with one line a user can act on (the address taken, a broken installer). */
  async start(): Promise<{ host: string; port: number }> {
    const problem = checkInstallerTemplate(this.options.installer);
    if (problem !== undefined) throw new Error(`cannot serve the installer: ${problem}`);
    const handler = (request: IncomingMessage, response: ServerResponse): void => this.handle(request, response);
    this.http = createServer(handler);
    const tls = this.options.tls;
    if (tls !== undefined) {
      this.https = createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
      // A client that gives up on the handshake (a wrong CA, a port scan) is its own business.
      this.https.on('tlsClientError', (error, socket) => {
        this.options.log.debug({ err: error, remote: socket.remoteAddress, reason: 'TlsHandshakeFailed' }, 'TLS handshake failed');
      });
    }
    const server = createSniffingServer(this.http, this.https);
    this.server = server;
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new Error(`cannot listen on ${urlHost(host)}:${port} for HTTP (--http): ${why}`, { cause: error }));
      });
      server.listen(port, host, () => resolve());
    });
    server.on('error', (error) => this.options.log.warn({ err: error, reason: 'HttpServerError' }, 'HTTP server error'));
    const address = server.address() as AddressInfo;
    const view = await this.catalog.view();
    this.options.log.info(
      {
        listen: `${urlHost(address.address)}:${address.port}`,
        tls: tls !== undefined,
        binariesDir: this.options.binariesDir,
        binaries: view.kind === 'ready' ? [...view.parsed.entries.keys()] : [],
        ...(view.kind === 'missing' ? { reason: 'NoBinaries', detail: view.why } : {}),
      },
      'http listening',
    );
    return { host: address.address, port: address.port };
  }

  /** Stops listening and cuts every open connection, downloads included. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.destroyAll();
    await closed;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? '';
    const path = targetPath(request.url ?? '').slice(0, 200);
    response.once('close', () => {
      this.options.log.debug(
        { method, path, status: response.statusCode, remote: request.socket.remoteAddress, complete: response.writableFinished },
        'http request',
      );
    });
    this.respond(request, response).catch((error: unknown) => {
      this.options.log.warn({ err: error, method, path, reason: 'HttpRequestFailed' }, 'HTTP request failed');
      if (!response.headersSent) this.text(response, 500, `internal error: ${(error as Error).message}`, method);
      else response.destroy();
    });
  }

  private async respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? '';
    const route = matchRoute(method, request.url ?? '');
    switch (route.kind) {
      case 'method-not-allowed': {
        const allowed = allowedMethods(request.url ?? '');
        response.setHeader('Allow', allowed.join(', '));
        return this.text(response, 405, `method ${method} not allowed: use ${allowed.join(' or ')}`, method);
      }
      case 'join':
        return this.join(request, response);
      case 'not-found':
        return this.text(response, 404, `not found: ${targetPath(request.url ?? '').slice(0, 200)} (this server has ${ENDPOINTS})`, method);
      case 'installer':
        return this.installer(request, response);
      case 'unit':
        return this.body(response, 200, 'text/plain; charset=utf-8', Buffer.from(this.options.unit), method);
      case 'sums': {
        const view = await this.catalog.view();
        if (view.kind === 'missing') return this.text(response, 404, view.why, method);
        return this.body(response, 200, 'text/plain; charset=utf-8', view.sums, method);
      }
      case 'binary':
        return this.binary(route.name, response, method);
      case 'ca': {
        const tls = this.options.tls;
        if (tls === undefined) return this.text(response, 404, 'this coordinator serves no TLS, so it has no CA certificate', method);
        return this.body(response, 200, 'application/x-pem-file', Buffer.from(tls.caCert), method);
      }
      default: {
        const never: never = route;
        throw new Error(`unknown route ${JSON.stringify(never)}`);
      }
    }
  }

  private async join(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const join = this.options.join;
    const tls = this.options.tls;
    if (join === undefined || tls === undefined) {
      return this.json(response, 404, { error: 'authentication is off on this coordinator: agents connect to the broker without joining' });
    }
    const answer = await answerJoin(
      { secure: isTlsRequest(request), host: request.headers.host, readBody: (maxBytes) => readBody(request, maxBytes), remote: request.socket.remoteAddress },
      {
        store: join.store,
        caCert: tls.caCert,
        brokerFor: (hostname) => (join.mqttsPort !== undefined ? `mqtts://${urlHost(hostname)}:${join.mqttsPort}` : agentBrokerUrl(this.options.broker, hostname)),
        log: this.options.log,
      },
    );
    // The rest of a body too large was never read: this connection cannot carry another request.
    if (answer.status === 413) response.setHeader('Connection', 'close');
    this.json(response, answer.status, answer.body);
  }

  private json(response: ServerResponse, status: number, value: unknown): void {
    const body = Buffer.from(`${JSON.stringify(value)}\n`);
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    response.end(body);
  }

  private installer(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? '';
    const host = parseHostHeader(request.headers.host);
    if (host === undefined) {
      return this.text(response, 400, `bad Host header ${JSON.stringify(request.headers.host ?? '')}: expected a host name or an IP address with an optional port`, method);
    }
    const script = fillInstallerDefaults(this.options.installer, {
      server: `http://${host.authority}`,
      broker: agentBrokerUrl(this.options.broker, host.hostname),
    });
    this.body(response, 200, 'text/x-shellscript', Buffer.from(script), method);
  }

  private async binary(name: string, response: ServerResponse, method: string): Promise<void> {
    const view: CatalogView = await this.catalog.view();
    if (view.kind === 'missing') return this.text(response, 404, view.why, method);
    const path = this.catalog.pathOf(view, name);
    if (path === undefined) {
      const names = [...view.parsed.entries.keys()].join(', ');
      return this.text(response, 404, `no binary ${name} in ${this.options.binariesDir}/SHA256SUMS (it lists: ${names || 'nothing'})`, method);
    }
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(path, 'r');
    } catch {
      return this.text(response, 404, `${name} is listed in SHA256SUMS but missing from ${this.options.binariesDir}: run npm run build:binaries, or copy it there`, method);
    }
    try {
      const info = await file.stat();
      if (!info.isFile()) return this.text(response, 404, `${path} is not a file`, method);
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
      if (method === 'HEAD') {
        response.end();
        return;
      }
      // The stream owns the descriptor from here; pipeline destroys it (and closes the
      // file) when the client goes away, which is an ordinary end, not an error.
      const stream = file.createReadStream({ autoClose: true });
      await pipeline(stream, response).catch((error: unknown) => {
        this.options.log.debug({ path, err: error, reason: 'DownloadAborted' }, 'binary download ended early');
      });
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  private text(response: ServerResponse, status: number, message: string, method: string): void {
    this.body(response, status, 'text/plain; charset=utf-8', Buffer.from(`${message}\n`), method);
  }

  private body(response: ServerResponse, status: number, type: string, body: Buffer, method: string): void {
    response.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
    response.end(method === 'HEAD' ? undefined : body);
  }
}
