import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJoinToken } from '../protocol/join-token.js';
import type { Reply } from '../protocol/requests.js';
import { AuthStore } from './auth/auth-store.js';
import { AUTH_OFF_MESSAGE, handleTokenRequest, type CoordinatorAuth, type TokenRequest } from './token-requests.js';

const pin = 'cd'.repeat(32);
let dir: string;
let nowMs: number;
let auth: CoordinatorAuth;

function request(fields: Partial<TokenRequest> & Pick<TokenRequest, 'action'>): TokenRequest {
  return { protocol: 'v1', id: 'r1', replyTo: 'x/replies', op: 'token', ...fields };
}

function result(reply: Reply): Record<string, unknown> {
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as Record<string, unknown>;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-token-requests-'));
  nowMs = Date.parse('2026-03-01T12:00:00Z');
  auth = { store: await AuthStore.load({ stateDir: dir, now: () => nowMs }), caSha256: pin };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('token requests', () => {
  it('create gives a whole join token carrying the CA pin; 24 hours unless told; 0 never expires', async () => {
    const made = result(await handleTokenRequest(request({ action: 'create', description: 'garage' }), auth));
    const parsed = parseJoinToken(String(made.token));
    expect(parsed).toMatchObject({ ok: true, id: made.id, caSha256: pin });
    expect(made).toMatchObject({ description: 'garage', created: '2026-03-01T12:00:00.000Z', expires: '2026-03-02T12:00:00.000Z' });
    const forever = result(await handleTokenRequest(request({ action: 'create', ttlSeconds: 0 }), auth));
    expect(forever.expires).toBeNull();
    const hour = result(await handleTokenRequest(request({ action: 'create', ttlSeconds: 3600 }), auth));
    expect(hour.expires).toBe('2026-03-01T13:00:00.000Z');
  });

  it('list shows no secret; delete removes one, and says NotFound for an unknown id', async () => {
    const made = result(await handleTokenRequest(request({ action: 'create' }), auth));
    const parsed = parseJoinToken(String(made.token));
    if (!parsed.ok) throw new Error(parsed.reason);
    const listed = result(await handleTokenRequest(request({ action: 'list' }), auth));
    expect(listed).toEqual({ tokens: [{ id: made.id, description: '', created: made.created, expires: made.expires }] });
    expect(JSON.stringify(listed)).not.toContain(parsed.secret);
    expect(result(await handleTokenRequest(request({ action: 'delete', tokenId: String(made.id) }), auth))).toEqual({ id: made.id });
    const again = await handleTokenRequest(request({ action: 'delete', tokenId: String(made.id) }), auth);
    expect(again).toMatchObject({ ok: false, error: { code: 'NotFound', message: `token "${String(made.id)}" not found` } });
    expect(await handleTokenRequest(request({ action: 'delete' }), auth)).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(result(await handleTokenRequest(request({ action: 'list' }), auth))).toEqual({ tokens: [] });
  });

  it('with authentication off, every action says so', async () => {
    for (const action of ['create', 'list', 'delete'] as const) {
      expect(await handleTokenRequest(request({ action, tokenId: 'abc123' }), undefined)).toMatchObject({ ok: false, error: { code: 'BadRequest', message: AUTH_OFF_MESSAGE } });
    }
  });
});
