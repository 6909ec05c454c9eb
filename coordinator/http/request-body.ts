import type { Readable } from 'node:stream';

/**
 * A request's body, read whole up to `maxBytes` (a route with a body, such as POST /join,
 * reads it through this). Past the limit it stops reading and says so, so a client cannot
 * make the coordinator hold more than the limit; the route answers 413 and the server
 * closes the connection (`Connection: close`), since the rest of the body is never read.
 * Rejects when the client goes away mid-body.
 */
export type BodyRead = { kind: 'complete'; body: Buffer } | { kind: 'too-large'; maxBytes: number };

export function readBody(request: Readable & { headers?: Record<string, string | string[] | undefined> }, maxBytes: number): Promise<BodyRead> {
  const declared = Number(request.headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ kind: 'too-large', maxBytes });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        request.pause();
        resolve({ kind: 'too-large', maxBytes });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ kind: 'complete', body: Buffer.concat(chunks) });
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the client went away before the end of the body'));
    };
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
