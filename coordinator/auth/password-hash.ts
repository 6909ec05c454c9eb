import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes in mosquitto 2.0's PBKDF2-SHA512 format,
 * `$7$<iterations>$<salt, base64>$<hash, base64>` (standard base64 with padding, a
 * 12-byte salt, a 64-byte hash), so one hash serves both the embedded broker and
 * mosquitto's `password_file`.
 *
 * 101 iterations is what `mosquitto_passwd` writes. Baton's passwords are random and
 * long (well over 128 bits), so stretching adds nothing against guessing, and a low
 * count keeps every connect cheap on a Pi.
 */

export const HASH_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
/** A hash naming more iterations than this is refused rather than computed (a planted file must not stall every connect). */
const MAX_ITERATIONS = 1_000_000;

const FORMAT = /^\$7\$([1-9][0-9]{0,6})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export function hashPassword(plain: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(plain, salt, HASH_ITERATIONS, HASH_BYTES, 'sha512');
  return `$7$${HASH_ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True if `hash` is a well-formed `$7$` hash of `plain`; false for anything else. Compares in constant time. */
export function verifyPassword(hash: string, plain: string): boolean {
  const match = FORMAT.exec(hash);
  if (!match) return false;
  const iterations = Number(match[1]);
  if (iterations > MAX_ITERATIONS) return false;
  const salt = Buffer.from(match[2] ?? '', 'base64');
  const expected = Buffer.from(match[3] ?? '', 'base64');
  if (salt.length === 0 || expected.length === 0) return false;
  const actual = pbkdf2Sync(plain, salt, iterations, expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}
