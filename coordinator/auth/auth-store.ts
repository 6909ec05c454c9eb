import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../protocol/atomic-file.js';
import { ADMIN_USERNAME, COORDINATOR_USERNAME, identityOfUsername, mayUseClientId, usernameOf, nodeIdentity, type Identity } from '../../protocol/identity.js';
import { parseTokenCredential, TOKEN_ALPHABET, TOKEN_ID_LENGTH, TOKEN_SECRET_LENGTH } from '../../protocol/join-token.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { ADMIN_CREDENTIALS_FILE_NAME, type AdminCredentials } from './admin-credentials.js';
import { AUTH_FILE_NAME, loadAuthFile, type AuthFile, type StoredCredential, type StoredToken } from './auth-file.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/**
 * Join tokens and MQTT credentials, kept in `<state dir>/auth.json` (see auth-file.ts).
 * Every change is written (atomically, one write at a time) before it takes effect or is
 * answered, so a credential handed to a node survives a restart. Secrets are compared in
 * constant time, and a refusal costs the same work whatever was wrong (unknown user or
 * token id, wrong secret, expired), so its timing tells nothing.
 */

export interface AuthStoreOptions {
  stateDir: string;
  /** Wall-clock ms (Date.now): token creation and expiry. */
  now?: () => number;
  /** The constant-time comparison of two digests of equal length (tests watch it). */
  equal?: (a: Buffer, b: Buffer) => boolean;
}

/** A token as `baton token list` shows it: never its secret. */
export interface TokenInfo {
  id: string;
  description: string;
  created: string;
  /** null: never expires. */
  expires: string | null;
}

export type JoinOutcome = { ok: true; username: string; password: string } | { ok: false };

/** Random passwords: 24 bytes, 192 bits, base64url (no character a config file would quote). */
function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return text;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Verified against when there is no real hash, so an unknown user costs a connect the same as a wrong password. */
const DUMMY_HASH = hashPassword(randomBytes(24).toString('base64url'));
/** Compared against when there is no such token id, for the same reason. */
const DUMMY_DIGEST = sha256(randomBytes(24).toString('hex'));

export class AuthStore {
  readonly path: string;
  readonly adminCredentialsPath: string;
  private readonly listeners = new Set<(usernames: readonly string[]) => void>();
  /** Writes run one after the other (they share a temporary file name). */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly equal: (a: Buffer, b: Buffer) => boolean;

  private constructor(options: AuthStoreOptions, private file: AuthFile) {
    this.path = join(options.stateDir, AUTH_FILE_NAME);
    this.adminCredentialsPath = join(options.stateDir, ADMIN_CREDENTIALS_FILE_NAME);
    this.now = options.now ?? Date.now;
    this.equal = options.equal ?? timingSafeEqual;
  }

  /** Reads auth.json (a missing file is an empty store); rejects with AuthFileError naming the file. */
  static async load(options: AuthStoreOptions): Promise<AuthStore> {
    return new AuthStore(options, await loadAuthFile(join(options.stateDir, AUTH_FILE_NAME)));
  }

  /**
   * Makes the coordinator's and admin's credentials on the first start, keeps them after,
   * and writes admin.json for the CLI (only when its content changed). `broker` is the URL
   * the CLI on this machine should use, `ca` the CA certificate (PEM) when it is TLS.
   */
  async ensureBootstrap(admin: { broker: string; ca?: string }): Promise<void> {
    await this.change((file) => {
      let changed = false;
      const coordinatorPassword = file.coordinatorPassword ?? newPassword();
      const adminPassword = file.adminPassword ?? newPassword();
      const credentials = { ...file.credentials };
      const created = new Date(this.now()).toISOString();
      for (const [username, password] of [[COORDINATOR_USERNAME, coordinatorPassword], [ADMIN_USERNAME, adminPassword]] as const) {
        const held = credentials[username];
        if (held !== undefined && verifyPassword(held.passwordHash, password)) continue;
        credentials[username] = { username, passwordHash: hashPassword(password), created };
        changed = true;
      }
      return changed ? { ...file, coordinatorPassword, adminPassword, credentials } : undefined;
    }, true);
    const content: AdminCredentials = { protocol: PROTOCOL_VERSION, broker: admin.broker, username: ADMIN_USERNAME, password: this.adminPassword(), ...(admin.ca !== undefined ? { ca: admin.ca } : {}) };
    const text = `${JSON.stringify(content, null, 1)}\n`;
    if ((await readFileIfExists(this.adminCredentialsPath).catch(() => undefined)) !== text) await writeFileAtomic(this.adminCredentialsPath, text, 0o600);
  }

  /** The coordinator's own MQTT password; throws before ensureBootstrap. */
  coordinatorPassword(): string {
    if (this.file.coordinatorPassword === undefined) throw new Error('the auth store has no coordinator credential yet (call ensureBootstrap)');
    return this.file.coordinatorPassword;
  }

  /** The admin's MQTT password (what admin.json holds); throws before ensureBootstrap. */
  adminPassword(): string {
    if (this.file.adminPassword === undefined) throw new Error('the auth store has no admin credential yet (call ensureBootstrap)');
    return this.file.adminPassword;
  }

  /**
   * Who connects with this username, password and client id; undefined to refuse: an
   * unknown user, a wrong password, or a client id this identity may not take (a node
   * must use `baton-agent-<node>`).
   */
  authenticate(username: string, password: string, clientId: string): Identity | undefined {
    const credential = Object.hasOwn(this.file.credentials, username) ? this.file.credentials[username] : undefined;
    const verified = verifyPassword(credential?.passwordHash ?? DUMMY_HASH, password);
    const identity = identityOfUsername(username);
    if (!verified || credential === undefined || identity === undefined) return undefined;
    return mayUseClientId(identity, clientId) ? identity : undefined;
  }

  /** Every credential (the coordinator's, admin's, each node's), by username: what mosquitto's password_file holds. */
  credentials(): StoredCredential[] {
    return Object.values(this.file.credentials).sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Tokens that have not expired, oldest first. */
  listTokens(): TokenInfo[] {
    return Object.values(this.file.tokens)
      .filter((token) => !this.isExpired(token))
      .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id))
      .map(({ id, description, created, expires }) => ({ id, description, created, expires }));
  }

  /** A new token; `ttlMs` null never expires. The secret is returned once and only its sha256 kept. */
  async createToken(options: { ttlMs: number | null; description: string }): Promise<TokenInfo & { secret: string }> {
    const secret = randomText(TOKEN_SECRET_LENGTH);
    const createdMs = this.now();
    let made: StoredToken | undefined;
    await this.change((file) => {
      let id = randomText(TOKEN_ID_LENGTH);
      while (Object.hasOwn(file.tokens, id)) id = randomText(TOKEN_ID_LENGTH);
      const expires = options.ttlMs === null ? null : new Date(createdMs + options.ttlMs).toISOString();
      made = { id, secretSha256: sha256(secret).toString('hex'), created: new Date(createdMs).toISOString(), expires, description: options.description };
      return { ...file, tokens: { ...file.tokens, [id]: made } };
    }, false);
    if (made === undefined) throw new Error('token not made');
    const { secretSha256: _hash, ...info } = made;
    return { ...info, secret };
  }

  /** Deletes a token; false if there was none (or it had expired). Nodes that joined with it keep their credentials. */
  async deleteToken(id: string): Promise<boolean> {
    let found = false;
    await this.change((file) => {
      const token = Object.hasOwn(file.tokens, id) ? file.tokens[id] : undefined;
      found = token !== undefined && !this.isExpired(token);
      if (token === undefined) return undefined;
      const { [id]: _gone, ...tokens } = file.tokens;
      return { ...file, tokens };
    }, false);
    return found;
  }

  /**
   * Trades a token (`<id>.<secret>`) for a new credential of `node` (a valid node name,
   * checked by the caller). A node that had one gets a new password and the old one stops
   * working (a re-flashed Pi joins again). Unknown, malformed, expired and deleted tokens
   * are all the same refusal, reached through the same comparison.
   */
  async join(node: string, tokenCredential: string): Promise<JoinOutcome> {
    const username = usernameOf(nodeIdentity(node));
    const parsed = parseTokenCredential(tokenCredential);
    const password = newPassword();
    const passwordHash = hashPassword(password);
    let accepted = false;
    // Checked at this change's turn, so a token deleted by an earlier change is refused.
    await this.change((file) => {
      const token = parsed.ok && Object.hasOwn(file.tokens, parsed.id) ? file.tokens[parsed.id] : undefined;
      const expected = token !== undefined ? Buffer.from(token.secretSha256, 'hex') : DUMMY_DIGEST;
      const matches = this.equal(sha256(parsed.ok ? parsed.secret : tokenCredential), expected);
      accepted = matches && token !== undefined && !this.isExpired(token) && username !== undefined;
      if (!accepted || username === undefined) return undefined;
      const credential: StoredCredential = { username, passwordHash, created: new Date(this.now()).toISOString() };
      return { ...file, credentials: { ...file.credentials, [username]: credential } };
    }, true);
    return accepted && username !== undefined ? { ok: true, username, password } : { ok: false };
  }

  /** True if `node` holds a credential (it joined and was not removed since). */
  hasNodeCredential(node: string): boolean {
    const username = usernameOf(nodeIdentity(node));
    return username !== undefined && Object.hasOwn(this.file.credentials, username);
  }

  /** Deletes the node's credential; false if it had none. Its connection is not cut here (the broker's owner does that). */
  async removeNode(node: string): Promise<boolean> {
    const username = usernameOf(nodeIdentity(node));
    let found = false;
    await this.change((file) => {
      found = username !== undefined && Object.hasOwn(file.credentials, username);
      if (!found || username === undefined) return undefined;
      const { [username]: _gone, ...credentials } = file.credentials;
      return { ...file, credentials };
    }, true);
    return found;
  }

  /**
   * Called after every change to the credentials is on disk, with the usernames whose
   * credential was made, replaced or deleted: mosquitto's files are rewritten then, and
   * the connections of those users closed (their old password no longer works). Must not
   * throw: the change is made whatever a listener does. Returns an unsubscribe.
   */
  onChange(listener: (usernames: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private isExpired(token: StoredToken): boolean {
    return token.expires !== null && Date.parse(token.expires) <= this.now();
  }

  /**
   * Applies `update` to the file as it is when this write's turn comes, drops expired
   * tokens, and writes the result before adopting it. `update` returning undefined
   * changes nothing (and writes nothing). A failed write changes nothing and rejects.
   */
  private change(update: (file: AuthFile) => AuthFile | undefined, credentialsOf: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      const updated = update(this.file);
      if (updated === undefined) return;
      const tokens = Object.fromEntries(Object.entries(updated.tokens).filter(([, token]) => !this.isExpired(token)));
      const next: AuthFile = { ...updated, tokens };
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 1)}\n`, 0o600);
      const before = this.file.credentials;
      this.file = next;
      if (!credentialsOf) return;
      const names = new Set([...Object.keys(before), ...Object.keys(next.credentials)]);
      const usernames = [...names].filter((name) => before[name] !== next.credentials[name]).sort();
      if (usernames.length > 0) for (const listener of this.listeners) listener(usernames);
    };
    const done = this.writing.then(run, run);
    this.writing = done.catch(() => undefined);
    return done;
  }
}
