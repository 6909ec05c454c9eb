import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { caSha256 } from '../protocol/ca-pin.js';
import { decodePayload } from '../protocol/codec.js';
import { JOIN_OVER_HTTPS, joinErrorSchema, type JoinRequest } from '../protocol/join.js';
import { formatTokenCredential, type JoinToken } from '../protocol/join-token.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { credentialsSchema, type Credentials } from './credentials.js';

/**
 * One join: the node trades its join token for broker credentials of its own, on the
 * coordinator's HTTP port (`--server`).
 *
 * 1. `GET /ca.crt` over plain HTTP: the coordinator's CA certificate. Nothing is trusted
 *    yet, so the transport does not matter: the certificate's sha256 (of its DER bytes)
 *    must equal the pin in the token, which came to the Pi by another way.
 * 2. `POST /join` over HTTPS to the same host and port, trusting that one certificate
 *    and nothing else, with no host name check (the CA is private and pinned: whatever
 *    it signed is the coordinator, whichever name or address reached it).
 *
 * Failures come in two kinds: JoinRefusedError (the token, the pin or the node name is
 * wrong: trying again cannot help) and JoinUnavailableError (the coordinator is not
 * there, or not ready: try again later). The token's secret is sent only inside the TLS
 * request body and appears in no message.
 */

/** Trying again cannot help: a person must act (the message says how). */
export class JoinRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JoinRefusedError';
  }
}

/** The coordinator could not be reached or did not answer usefully; try again later. */
export class JoinUnavailableError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'JoinUnavailableError';
  }
}

export interface JoinParameters {
  /** The coordinator's HTTP address, `http://host:8484` (an `https://` one is read the same way). */
  readonly server: string;
  readonly node: string;
  readonly token: JoinToken;
  /** Each request's limit, connecting included. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A CA certificate or a join reply is a few kilobytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

export async function joinCoordinator(parameters: JoinParameters): Promise<Credentials> {
  const server = new URL(parameters.server);
  const ca = await fetchPinnedCa(server, parameters);
  return postJoin(server, ca, parameters);
}

async function fetchPinnedCa(server: URL, parameters: JoinParameters): Promise<X509Certificate> {
  const url = `${server.origin}/ca.crt`;
  const answer = await exchange(url, server.protocol === 'https:' ? httpsRequest : httpRequest, { method: 'GET', rejectUnauthorized: false }, undefined, parameters);
  if (answer.status !== 200) {
    throw new JoinUnavailableError(`${url} answered ${answer.status}${describeError(answer.body)}: is ${server.origin} the coordinator's HTTP address (baton-coordinator --http)?`);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(answer.body);
  } catch {
    throw new JoinUnavailableError(`${url} did not answer a certificate: is ${server.origin} the coordinator's HTTP address (baton-coordinator --http)?`);
  }
  const pin = caSha256(certificate.toString());
  if (pin !== parameters.token.caSha256) {
    throw new JoinRefusedError(
      `the coordinator's CA does not match the token: ${url} has sha256 ${pin}, the token pins ${parameters.token.caSha256}; check --server, or create a new token with baton token create on that coordinator`,
    );
  }
  return certificate;
}

async function postJoin(server: URL, ca: X509Certificate, parameters: JoinParameters): Promise<Credentials> {
  const url = `https://${server.host}/join`;
  const body: JoinRequest = { protocol: PROTOCOL_VERSION, node: parameters.node, token: formatTokenCredential(parameters.token) };
  const tls: RequestOptions = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The one certificate that was pinned: re-encoded from what was parsed, so nothing
    // else the answer may have carried beside it is trusted.
    ca: [ca.toString()],
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  };
  const answer = await exchange(url, httpsRequest, tls, JSON.stringify(body), parameters);
  if (answer.status === 200) return readReply(answer.body, ca, parameters.node, url);
  const said = describeError(answer.body);
  if (answer.status === 401) throw new JoinRefusedError(`the token was refused${said}: create a new one with baton token create`);
  if (answer.status === 400 || answer.status === 403) throw new JoinRefusedError(`the coordinator refused to join node ${parameters.node}${said}`);
  throw new JoinUnavailableError(`${url} answered ${answer.status}${said}`);
}

function readReply(text: string, ca: X509Certificate, node: string, url: string): Credentials {
  const decoded = decodePayload(credentialsSchema, text, MAX_ANSWER_BYTES);
  if (!decoded.ok) throw new JoinUnavailableError(`${url} answered credentials that cannot be used: ${decoded.reason}`);
  const reply = decoded.value;
  if (reply.node !== node) throw new JoinRefusedError(`${url} answered credentials for node ${reply.node}, not ${node}`);
  // The broker is trusted through this CA from now on: it must be the one pinned.
  if (caSha256(reply.ca) !== caSha256(ca.toString())) throw new JoinRefusedError(`${url} answered a CA other than the pinned one`);
  return reply;
}

/** ` ("the message")` of a `{"error": ...}` answer, else nothing. */
function describeError(text: string): string {
  const decoded = decodePayload(joinErrorSchema, text, MAX_ANSWER_BYTES);
  if (!decoded.ok) return '';
  const message = decoded.value.error === JOIN_OVER_HTTPS ? 'join over https (this agent sent it over http)' : decoded.value.error;
  return ` (${JSON.stringify(message.slice(0, 200))})`;
}

type Requester = typeof httpRequest;

/** One request with a deadline; every failure to get an answer is JoinUnavailableError. */
function exchange(url: string, requester: Requester, options: RequestOptions, body: string | undefined, parameters: JoinParameters): Promise<{ status: number; body: string }> {
  const timeoutMs = parameters.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const fail = (why: string, cause?: unknown): void => reject(new JoinUnavailableError(`cannot reach the coordinator at ${url}: ${why}`, { cause }));
    const req = requester(url, {
      ...options,
      ...(body !== undefined ? { headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } } : {}),
      ...(parameters.signal !== undefined ? { signal: parameters.signal } : {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once('error', (error) => {
      clearTimeout(timer);
      fail(describeNetworkError(error), error);
    });
    req.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          clearTimeout(timer);
          fail(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.once('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.once('error', (error) => {
        clearTimeout(timer);
        fail(describeNetworkError(error), error);
      });
      // Settles nothing when 'end' or 'error' came first (a promise settles once).
      response.once('close', () => {
        clearTimeout(timer);
        if (!response.complete) fail('the answer was cut off');
      });
    });
    req.end(body);
  });
}

function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the coordinator running with --http?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ABORT_ERR') return 'stopped';
  if (code !== undefined && /CERT|SIGNATURE|SELF_SIGNED|ISSUER/.test(code)) {
    return `its TLS certificate is not signed by the pinned CA (${code}): is another server answering on that port?`;
  }
  return error.message;
}
