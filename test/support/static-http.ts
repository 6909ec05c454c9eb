import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** A folder served over HTTP on 127.0.0.1, with the paths asked for kept in order. */
export interface StaticServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves the files under `dir` (GET and HEAD; 404 for anything missing) on a free port. */
export async function serveFolder(dir: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/'));
    requests.push(path);
    if (path.includes('..')) {
      response.writeHead(400).end('bad path\n');
      return;
    }
    readFile(join(dir, path)).then(
      (body) => {
        response.writeHead(200, { 'Content-Length': body.length });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
