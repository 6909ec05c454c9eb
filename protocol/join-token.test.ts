import { describe, expect, it } from 'vitest';
import { formatJoinToken, formatTokenCredential, parseJoinToken, parseTokenCredential } from './join-token.js';

const pin = 'ab'.repeat(32);
const token = { id: 'abc123', secret: 'abcdefghijklmnopqrstuvwx', caSha256: pin };

describe('join tokens', () => {
  it('formats and parses back', () => {
    const text = formatJoinToken(token);
    expect(text).toBe(`bt1.abc123.abcdefghijklmnopqrstuvwx.${pin}`);
    expect(parseJoinToken(text)).toEqual({ ok: true, ...token });
  });

  it('ignores surrounding white space and reads an upper-case pin as lower case', () => {
    expect(parseJoinToken(`  bt1.abc123.abcdefghijklmnopqrstuvwx.${pin.toUpperCase()}\n`)).toEqual({ ok: true, ...token });
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', `bt2.abc123.abcdefghijklmnopqrstuvwx.${pin}`],
    ['no pin', 'bt1.abc123.abcdefghijklmnopqrstuvwx'],
    ['extra part', `bt1.abc123.abcdefghijklmnopqrstuvwx.${pin}.x`],
    ['short id', `bt1.abc12.abcdefghijklmnopqrstuvwx.${pin}`],
    ['upper-case id', `bt1.ABC123.abcdefghijklmnopqrstuvwx.${pin}`],
    ['short secret', `bt1.abc123.abcdefghijklmnopqrstuvw.${pin}`],
    ['secret with a symbol', `bt1.abc123.abcdefghijklmnopqrstuv-x.${pin}`],
    ['short pin', `bt1.abc123.abcdefghijklmnopqrstuvwx.${pin.slice(1)}`],
    ['pin not hex', `bt1.abc123.abcdefghijklmnopqrstuvwx.${'zz'.repeat(32)}`],
  ])('refuses %s', (_name, text) => {
    const parsed = parseJoinToken(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).not.toContain('abcdefghijklmnopqrstuv');
  });

  it('the credential sent to join is id and secret only', () => {
    expect(formatTokenCredential(token)).toBe('abc123.abcdefghijklmnopqrstuvwx');
    expect(parseTokenCredential('abc123.abcdefghijklmnopqrstuvwx')).toEqual({ ok: true, id: 'abc123', secret: 'abcdefghijklmnopqrstuvwx' });
    expect(parseTokenCredential(`abc123.abcdefghijklmnopqrstuvwx.${pin}`).ok).toBe(false);
    expect(parseTokenCredential('abc123').ok).toBe(false);
  });
});
