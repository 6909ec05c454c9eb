import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.js';

describe('password hashes ($7$, PBKDF2-SHA512)', () => {
  it('verifies its own hash and refuses another password', () => {
    const hash = hashPassword('s3cret-horse');
    expect(hash).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(verifyPassword(hash, 's3cret-horse')).toBe(true);
    expect(verifyPassword(hash, 's3cret-horsE')).toBe(false);
    expect(verifyPassword(hash, '')).toBe(false);
  });

  it('salts each hash', () => {
    expect(hashPassword('same')).not.toBe(hashPassword('same'));
  });

  it('matches a known vector (salt fixed)', () => {
    // Computed independently: openssl kdf -keylen 64 -kdfopt digest:SHA512 -kdfopt pass:baton
    //   -kdfopt hexsalt:000102030405060708090a0b -kdfopt iter:101 PBKDF2
    const salt = Buffer.from('000102030405060708090a0b', 'hex');
    const hash = hashPassword('baton', salt);
    const hex = execFileSync('openssl', ['kdf', '-keylen', '64', '-kdfopt', 'digest:SHA512', '-kdfopt', 'pass:baton', '-kdfopt', 'hexsalt:000102030405060708090a0b', '-kdfopt', 'iter:101', 'PBKDF2'], { encoding: 'utf8' });
    const expected = Buffer.from(hex.replace(/[^0-9A-Fa-f]/g, ''), 'hex').toString('base64');
    expect(hash).toBe(`$7$101$AAECAwQFBgcICQoL$${expected}`);
  });

  it('accepts a hash written by mosquitto_passwd', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'baton-pw-')), 'passwords');
    execFileSync('mosquitto_passwd', ['-b', '-c', file, 'node.pi-1', 'p4ss-w0rd']);
    const line = readFileSync(file, 'utf8').trim();
    const hash = line.slice(line.indexOf(':') + 1);
    expect(hash.startsWith('$7$')).toBe(true);
    expect(verifyPassword(hash, 'p4ss-w0rd')).toBe(true);
    expect(verifyPassword(hash, 'p4ss-w0rD')).toBe(false);
  });

  it.each([
    ['', 'empty'],
    ['$6$AAECAwQFBgcICQoL$abcd', 'another algorithm'],
    ['$7$$AAECAwQFBgcICQoL$abcd', 'no iterations'],
    ['$7$0$AAECAwQFBgcICQoL$abcd', 'zero iterations'],
    ['$7$99999999$AAECAwQFBgcICQoL$abcd', 'too many iterations'],
    ['$7$101$$abcd', 'no salt'],
    ['$7$101$AAECAwQFBgcICQoL$', 'no hash'],
    ['$7$101$AAEC*wQF$abcd', 'not base64'],
    ['plain text', 'not a hash'],
  ])('refuses %j (%s)', (hash) => {
    expect(verifyPassword(hash, 'anything')).toBe(false);
  });
});
