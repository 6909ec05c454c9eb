import { parseDuration, UsageError, type OptionSpec } from '../../protocol/options.js';
import { MAX_TOKEN_TTL_SECONDS } from '../../protocol/requests.js';

/**
 * The arguments of `baton token create|list|delete`, kubeadm's way: `--ttl 24h` (`0`
 * never expires) and `--description TEXT` for create, the token's id for delete. Pure.
 */

export const ttlSpec: OptionSpec = { name: 'ttl', kind: 'string', placeholder: 'DURATION', description: 'token create: how long the token works (30m, 24h, 168h; 0 never expires; default 24h)' };
export const descriptionSpec: OptionSpec = { name: 'description', kind: 'string', placeholder: 'TEXT', description: 'token create: what the token is for, shown by token list' };

export const tokenActions = ['create', 'list', 'delete'] as const;

export type TokenCommand =
  /** `ttlSeconds` undefined: the coordinator's default (24 hours); 0: never expires. */
  | { action: 'create'; ttlSeconds: number | undefined; description: string | undefined }
  | { action: 'list' }
  | { action: 'delete'; id: string };

export interface TokenFlags {
  ttl: string | undefined;
  description: string | undefined;
}

/** Refuses --ttl and --description anywhere but `token create`. */
export function tokenFlagsOnlyForCreate(flags: TokenFlags, where: string): void {
  if (where === 'token create') return;
  if (flags.ttl !== undefined) throw new UsageError(`${where}: --ttl is only for token create`);
  if (flags.description !== undefined) throw new UsageError(`${where}: --description is only for token create`);
}

export function parseToken(words: readonly string[], flags: TokenFlags): TokenCommand {
  const [actionWord, ...rest] = words;
  const actions = tokenActions.join(', ');
  if (actionWord === undefined) throw new UsageError(`token: which action? one of ${actions}`);
  const action = tokenActions.find((a) => a === actionWord);
  if (action === undefined) throw new UsageError(`token: unknown action ${JSON.stringify(actionWord)}: expected one of ${actions}`);
  const verb = `token ${action}`;
  tokenFlagsOnlyForCreate(flags, verb);
  if (action !== 'delete' && rest.length > 0) throw new UsageError(`${verb}: unexpected argument ${JSON.stringify(rest[0])}`);
  switch (action) {
    case 'create':
      return { action, ttlSeconds: flags.ttl === undefined ? undefined : parseTtl(flags.ttl), description: flags.description };
    case 'list':
      return { action };
    case 'delete': {
      const [id, extra] = rest;
      if (id === undefined || id === '') throw new UsageError('token delete: which token? give its ID (see baton token list)');
      if (extra !== undefined) throw new UsageError(`token delete: unexpected argument ${JSON.stringify(extra)}`);
      return { action, id };
    }
  }
}

function parseTtl(text: string): number {
  const ms = parseDuration(text, 'ttl', true);
  const seconds = Math.ceil(ms / 1000);
  if (seconds > MAX_TOKEN_TTL_SECONDS) throw new UsageError(`--ttl ${JSON.stringify(text)}: at most ${MAX_TOKEN_TTL_SECONDS / 3600}h (ten years); 0 never expires`);
  return seconds;
}
