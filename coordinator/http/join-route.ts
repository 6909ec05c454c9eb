import { decodePayload } from '../../protocol/codec.js';
import { JOIN_OVER_HTTPS, JOIN_TOKEN_REFUSED, joinRequestSchema, MAX_JOIN_BODY_BYTES, type JoinError, type JoinReply } from '../../protocol/join.js';
import type { Logger } from '../../protocol/log.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { JoinOutcome } from '../auth/auth-store.js';
import { parseHostHeader } from './host-header.js';
import type { BodyRead } from './request-body.js';

/**
 * `POST /join`: a node trades a join token for credentials of its own. TLS only (the
 * reply holds a password); the body is at most 4 KiB of JSON read through the protocol's
 * schema. Every refused token (unknown, malformed, expired, deleted) gets the same 401
 * body after the same work (auth-store.ts), so the answer tells nothing about which.
 * The token never reaches a log line.
 */

export interface JoinRouteOptions {
  store: { join(node: string, tokenCredential: string): Promise<JoinOutcome> };
  /** The CA certificate, PEM: the reply hands it to the agent, which pins it for the broker. */
  caCert: string;
  /** The broker URL for agents, given the host name the request came in on. */
  brokerFor(requestHostname: string): string;
  log: Logger;
}

export interface JoinAnswer {
  status: number;
  body: JoinReply | JoinError;
}

/** What the request is, as far as the join cares: over TLS or not, its Host header, its body (read only over TLS). */
export interface JoinInput {
  secure: boolean;
  host: string | undefined;
  readBody(maxBytes: number): Promise<BodyRead>;
  remote: string | undefined;
}

export async function answerJoin(input: JoinInput, options: JoinRouteOptions): Promise<JoinAnswer> {
  const { log } = options;
  if (!input.secure) {
    log.warn({ remote: input.remote, reason: 'JoinOverHttp' }, 'refused a join over plain HTTP');
    return { status: 403, body: { error: JOIN_OVER_HTTPS } };
  }
  const host = parseHostHeader(input.host);
  if (host === undefined) return { status: 400, body: { error: 'bad Host header: expected a host name or an IP address with an optional port' } };
  const read = await input.readBody(MAX_JOIN_BODY_BYTES);
  if (read.kind === 'too-large') return { status: 413, body: { error: `the join request is larger than ${read.maxBytes} bytes` } };
  const decoded = decodePayload(joinRequestSchema, read.body, MAX_JOIN_BODY_BYTES);
  if (!decoded.ok) return { status: 400, body: { error: `bad join request: ${decoded.reason}` } };
  const { node, token } = decoded.value;
  const outcome = await options.store.join(node, token);
  if (!outcome.ok) {
    log.warn({ node, remote: input.remote, reason: 'JoinRefused' }, 'refused a join: unknown, expired or deleted token');
    return { status: 401, body: { error: JOIN_TOKEN_REFUSED } };
  }
  const broker = options.brokerFor(host.hostname);
  log.info({ node, remote: input.remote, broker, reason: 'NodeJoined' }, `node ${node} joined; its credential is new`);
  return { status: 200, body: { protocol: PROTOCOL_VERSION, node, username: outcome.username, password: outcome.password, broker, ca: options.caCert } };
}
