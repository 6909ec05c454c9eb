import * as http from 'node:http';
import * as https from 'node:https';
import { BATON_VERSION } from '../../protocol/version.js';
import type { ProbeOutcome } from './probe-result.js';
import { dialErrorMessage, joinHostPort } from './probe-endpoint.js';

export interface HttpProbeRequest {
  readonly scheme: 'HTTP' | 'HTTPS';
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly headers?: readonly { readonly name: string; readonly value: string }[] | undefined;
  readonly timeoutMs: number;
  /** Aborting ends the request at once (the container is gone); the outcome is then a failure. */
  readonly signal?: AbortSignal | undefined;
}

/** As kubelet: the body is read (so the server sees a complete exchange) up to 10 KiB, then dropped. */
const MAX_BODY_BYTES = 10 * 1024;

export const PROBE_USER_AGENT = `baton-probe/${BATON_VERSION}`;

/**
 * An httpGet probe: one GET, no keep-alive, redirects not followed. Succeeds for a
 * status from 200 to 399. HTTPS does not verify the certificate (a pod's own endpoint
 * rarely has one the node could verify; kubelet does the same). The timeout covers the
 * whole exchange, body included, and really ends it: the socket is destroyed. Never
 * rejects.
 */
export function probeHttp(request: HttpProbeRequest): Promise<ProbeOutcome> {
  const { scheme, host, port, path, timeoutMs, signal } = request;
  const url = `${scheme === 'HTTPS' ? 'https' : 'http'}://${joinHostPort(host, port)}${path}`;
  return new Promise((resolve) => {
    const controller = new AbortController();
    let settled = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Ends the socket whatever state the exchange is in; a no-op once it has completed.
      controller.abort();
      resolve(outcome);
    };
    const fail = (message: string): void => finish({ success: false, message: `Get ${JSON.stringify(url)}: ${message}` });
    const onAbort = (): void => fail('probe canceled');
    const timer = setTimeout(() => fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) return onAbort();

    const onResponse = (response: http.IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      const outcome: ProbeOutcome =
        status >= 200 && status < 400
          ? { success: true, message: `HTTP probe succeeded with statuscode: ${status}` }
          : { success: false, message: `HTTP probe failed with statuscode: ${status}` };
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_BODY_BYTES) finish(outcome);
      });
      response.once('end', () => finish(outcome));
      response.on('error', (error) => fail(error.message));
    };

    try {
      const options: https.RequestOptions = {
        method: 'GET',
        headers: requestHeaders(request.headers ?? []),
        agent: false,
        signal: controller.signal,
        rejectUnauthorized: false,
      };
      const req = scheme === 'HTTPS' ? https.request(url, options, onResponse) : http.request(url, options, onResponse);
      req.on('error', (error) => fail(dialErrorMessage(error, host, port)));
      req.end();
    } catch (error) {
      // A header from the manifest Node refuses (a control character), or a malformed path.
      fail(error instanceof Error ? error.message : String(error));
    }
  });
}

/**
 * The manifest's headers (repeated names kept, as Kubernetes allows), with a User-Agent
 * and `Accept: *\/*` unless the manifest sets its own; a `Host` header replaces the host.
 */
function requestHeaders(list: readonly { readonly name: string; readonly value: string }[]): http.OutgoingHttpHeaders {
  const headers: Record<string, string[]> = {};
  for (const { name, value } of list) (headers[name.toLowerCase()] ??= []).push(value);
  const single = (name: string): string | string[] | undefined => {
    const values = headers[name];
    return values?.length === 1 ? values[0] : values;
  };
  const result: http.OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = single(name);
    if (value !== undefined) result[name] = value;
  }
  result['user-agent'] ??= PROBE_USER_AGENT;
  if (result.accept === undefined) result.accept = '*/*';
  else if (result.accept === '') delete result.accept;
  return result;
}
