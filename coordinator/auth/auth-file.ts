import * as z from 'zod';
import { readFileIfExists } from '../../protocol/atomic-file.js';
import { validate } from '../../protocol/validation.js';

/**
 * `<state dir>/auth.json`: the coordinator's secrets. Join tokens (only the sha256 of
 * each secret), every MQTT credential (a `$7$` PBKDF2 hash, which serves the embedded
 * broker and mosquitto's password_file alike), and the coordinator's and admin's own
 * passwords in plain text, which must stay usable (the coordinator connects with its
 * own, and writes the admin's into admin.json). Like K3s's server token, this file is
 * the coordinator's secret: 0600, written atomically.
 */

export const AUTH_FILE_NAME = 'auth.json';

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an RFC 3339 time');

export const storedTokenSchema = z.object({
  id: z.string().regex(/^[a-z0-9]{6}$/),
  /** Lowercase hex sha256 of the secret; the secret itself is never kept. */
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
  created: isoTime,
  /** null: the token never expires. */
  expires: isoTime.nullable(),
  description: z.string().max(1024),
});
export type StoredToken = z.output<typeof storedTokenSchema>;

export const storedCredentialSchema = z.object({
  username: z.string().min(1).max(300),
  /** `$7$<iterations>$<salt>$<hash>` (password-hash.ts). */
  passwordHash: z.string().startsWith('$7$'),
  created: isoTime,
});
export type StoredCredential = z.output<typeof storedCredentialSchema>;

/** A table keyed by a field of its rows; a key that differs from its row's is corruption. */
function keyedBy<S extends z.ZodType<Record<K, string>>, K extends string>(row: S, field: K) {
  return z.record(z.string(), row).superRefine((rows, ctx) => {
    for (const [key, value] of Object.entries(rows)) {
      if (value[field] !== key) ctx.addIssue({ code: 'custom', path: [key], message: `holds ${field} ${JSON.stringify(value[field])}` });
    }
  });
}

export const authFileSchema = z.object({
  format: z.literal('baton-auth'),
  version: z.literal(1),
  /** Set by the first start (ensureBootstrap); also in `credentials`, hashed. */
  coordinatorPassword: z.string().min(16).optional(),
  adminPassword: z.string().min(16).optional(),
  tokens: keyedBy(storedTokenSchema, 'id'),
  credentials: keyedBy(storedCredentialSchema, 'username'),
});
export type AuthFile = z.output<typeof authFileSchema>;

export function emptyAuthFile(): AuthFile {
  return { format: 'baton-auth', version: 1, tokens: {}, credentials: {} };
}

/**
 * The auth file cannot be used. Fatal: the coordinator refuses to start rather than
 * start over (which would lock every node out), and never overwrites the file.
 */
export class AuthFileError extends Error {
  constructor(readonly path: string, problem: string, options?: { cause: unknown }) {
    super(`auth file ${path} ${problem}; fix or move it away (it was left untouched)`, options);
    this.name = 'AuthFileError';
  }
}

/** Reads the file through its schema; a missing file is an empty one (nothing is written until there is something to keep). */
export async function loadAuthFile(path: string): Promise<AuthFile> {
  let text: string | undefined;
  try {
    text = await readFileIfExists(path);
  } catch (error) {
    throw new AuthFileError(path, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) return emptyAuthFile();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8's message quotes a piece of the text: not in an error about a file of secrets.
    const message = (error as Error).message.replace(/, ".*" is not valid JSON$/s, '').slice(0, 120);
    throw new AuthFileError(path, `is corrupt (not valid JSON: ${message})`, { cause: error });
  }
  const result = validate(authFileSchema, json);
  if (!result.ok) {
    const shown = result.problems.slice(0, 3).join('; ');
    const more = result.problems.length > 3 ? ` and ${result.problems.length - 3} more` : '';
    throw new AuthFileError(path, `is invalid (${shown}${more})`);
  }
  return result.value;
}
