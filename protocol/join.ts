import * as z from 'zod';
import { subdomainName } from './names.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * `POST /join` on the coordinator's HTTP port (TLS only): a node trades its join token
 * for credentials of its own. The agent sends the request and reads the reply; the
 * coordinator reads the request. Both sides decode through these schemas.
 */

/** The most a join request body may hold; a real one is ~100 bytes. */
export const MAX_JOIN_BODY_BYTES = 4 * 1024;

export const joinRequestSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  /** The node's name, as in its topics: it becomes the MQTT user `node.<node>`. */
  node: subdomainName,
  /**
   * `<id>.<secret>` of the join token, never its CA pin. Only its length is checked
   * here, so a malformed token is refused like an unknown one (401), not described.
   */
  token: z.string().min(1).max(256),
});
export type JoinRequest = z.output<typeof joinRequestSchema>;

/** 200: the node's credentials; `password` is new, and the node's previous one no longer works. */
export const joinReplySchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  node: subdomainName,
  username: z.string().min(1),
  password: z.string().min(1),
  /** The broker URL for agents (`mqtts://host:8883` when the coordinator serves TLS MQTT). */
  broker: z.string().min(1),
  /** The coordinator's CA certificate, PEM: the only root the agent trusts for the broker. */
  ca: z.string().min(1),
});
export type JoinReply = z.output<typeof joinReplySchema>;

/** 400, 401, 403, 404, 405, 413: what went wrong, in one line. */
export const joinErrorSchema = z.object({ error: z.string() });
export type JoinError = z.output<typeof joinErrorSchema>;

/** The message of every refused token (unknown, expired, deleted): the same, so a refusal tells nothing about which. */
export const JOIN_TOKEN_REFUSED = 'the join token is unknown, expired or deleted; create one with `baton token create`';
/** The message of a join over plain HTTP. */
export const JOIN_OVER_HTTPS = 'join over https';
