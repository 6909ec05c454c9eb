import { formatJoinToken } from '../protocol/join-token.js';
import { DEFAULT_TOKEN_TTL_SECONDS, type Reply, type Request, type TokenCreateResult, type TokenDeleteResult, type TokenListResult } from '../protocol/requests.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { AuthStore } from './auth/auth-store.js';
import { errorReply } from './requests.js';

/**
 * The `token` requests (`baton token create|list|delete`), over the auth store. Only
 * `create`'s reply carries a secret: the whole join token, shown that once.
 */

/** What the coordinator needs when authentication is on. */
export interface CoordinatorAuth {
  store: AuthStore;
  /** The CA pin (lowercase hex sha256 of the CA certificate's DER), the last part of every join token. */
  caSha256: string;
}

export type TokenRequest = Extract<Request, { op: 'token' }>;

export const AUTH_OFF_MESSAGE = 'authentication is off on this coordinator: there are no join tokens or node credentials to manage';

function ok(id: string, result: unknown): Reply {
  return { protocol: PROTOCOL_VERSION, id, ok: true, result };
}

export async function handleTokenRequest(request: TokenRequest, auth: CoordinatorAuth | undefined): Promise<Reply> {
  if (auth === undefined) return errorReply(request.id, 'BadRequest', AUTH_OFF_MESSAGE);
  switch (request.action) {
    case 'create': {
      const ttlSeconds = request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
      const made = await auth.store.createToken({ ttlMs: ttlSeconds === 0 ? null : ttlSeconds * 1000, description: request.description ?? '' });
      const { secret, ...info } = made;
      const result: TokenCreateResult = { ...info, token: formatJoinToken({ id: made.id, secret, caSha256: auth.caSha256 }) };
      return ok(request.id, result);
    }
    case 'list': {
      const result: TokenListResult = { tokens: auth.store.listTokens() };
      return ok(request.id, result);
    }
    case 'delete': {
      if (request.tokenId === undefined || request.tokenId === '') return errorReply(request.id, 'BadRequest', 'token delete: which token? give its id (see `baton token list`)');
      if (!(await auth.store.deleteToken(request.tokenId))) return errorReply(request.id, 'NotFound', `token "${request.tokenId}" not found`);
      const result: TokenDeleteResult = { id: request.tokenId };
      return ok(request.id, result);
    }
    default: {
      const never: never = request.action;
      throw new Error(`unexpected token action ${JSON.stringify(never)}`);
    }
  }
}
