/**
 * The join token a node is given once to get its own credentials:
 * `bt1.<id>.<secret>.<pin>`. `id` (6 characters) names the token in `baton token list`
 * and `delete`; `secret` (24 characters) proves it, and the coordinator keeps only its
 * sha256; `pin` is the lowercase hex sha256 of the coordinator's CA certificate (DER),
 * so the agent can trust the coordinator's TLS before it holds anything else.
 * The agent sends only `<id>.<secret>` to the coordinator, never the pin.
 */

export const JOIN_TOKEN_PREFIX = 'bt1';
export const TOKEN_ID_LENGTH = 6;
export const TOKEN_SECRET_LENGTH = 24;
/** The alphabet of ids and secrets: 36 symbols, so a secret carries about 124 bits. */
export const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const ID = new RegExp(`^[a-z0-9]{${TOKEN_ID_LENGTH}}$`);
const SECRET = new RegExp(`^[a-z0-9]{${TOKEN_SECRET_LENGTH}}$`);
const PIN = /^[0-9a-f]{64}$/;

export interface JoinToken {
  id: string;
  secret: string;
  /** The CA pin: lowercase hex sha256 of the CA certificate's DER bytes. */
  caSha256: string;
}

export type ParsedJoinToken = ({ ok: true } & JoinToken) | { ok: false; reason: string };
export type ParsedTokenCredential = { ok: true; id: string; secret: string } | { ok: false; reason: string };

export function formatJoinToken(token: JoinToken): string {
  return `${JOIN_TOKEN_PREFIX}.${token.id}.${token.secret}.${token.caSha256}`;
}

/** What the agent sends in `POST /join`: the token without its prefix and pin. */
export function formatTokenCredential(token: Pick<JoinToken, 'id' | 'secret'>): string {
  return `${token.id}.${token.secret}`;
}

/**
 * Reads a join token as a user pasted it (surrounding white space is ignored). A
 * refusal's reason never repeats the secret: it may end up in a log.
 */
export function parseJoinToken(text: string): ParsedJoinToken {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== JOIN_TOKEN_PREFIX) {
    return { ok: false, reason: `a join token has the form ${JOIN_TOKEN_PREFIX}.<id>.<secret>.<ca-sha256>` };
  }
  const [, id = '', secret = '', pin = ''] = parts;
  const credential = checkIdAndSecret(id, secret);
  if (!credential.ok) return credential;
  if (!PIN.test(pin.toLowerCase())) return { ok: false, reason: "the join token's CA pin must be 64 hex digits (a sha256)" };
  return { ok: true, id, secret, caSha256: pin.toLowerCase() };
}

/** Reads the `<id>.<secret>` a node sends to join. */
export function parseTokenCredential(text: string): ParsedTokenCredential {
  const parts = text.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'a token credential has the form <id>.<secret>' };
  const [id = '', secret = ''] = parts;
  return checkIdAndSecret(id, secret);
}

function checkIdAndSecret(id: string, secret: string): ParsedTokenCredential {
  if (!ID.test(id)) return { ok: false, reason: `a token id is ${TOKEN_ID_LENGTH} lowercase letters or digits` };
  if (!SECRET.test(secret)) return { ok: false, reason: `a token secret is ${TOKEN_SECRET_LENGTH} lowercase letters or digits` };
  return { ok: true, id, secret };
}
