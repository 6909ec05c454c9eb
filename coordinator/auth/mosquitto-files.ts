import { aclPatterns, type AclOptions } from '../../protocol/acl.js';
import { anonymousIdentity, identityOfUsername, type Identity } from '../../protocol/identity.js';
import type { Topics } from '../../protocol/topics.js';

/**
 * mosquitto's password_file, acl_file and the configuration that uses them, rendered
 * from the coordinator's credentials and the one ACL (protocol/acl.ts) the embedded
 * broker enforces too. Pure: the caller writes the files.
 *
 * What mosquitto 2.0 does with them (checked against 2.0.11): a refused publish is
 * acknowledged and dropped ("Denied PUBLISH" in its log); a subscribe is always
 * granted in the SUBACK, and each message, retained or live, is checked against the
 * read rules when it is delivered, so a refused filter receives nothing.
 */

export const MOSQUITTO_FILES = { config: 'baton.conf', passwords: 'passwords', acl: 'acl', caCert: 'ca.crt', serverCert: 'server.crt', serverKey: 'server.key' } as const;

export interface MosquittoCredential {
  readonly username: string;
  /** `$7$...` (password-hash.ts): mosquitto 2.0 reads it as it is. */
  readonly passwordHash: string;
}

/** Usernames mosquitto would misread in its files (a ':' ends the name in the password file, spaces split ACL lines). */
function isPlainUsername(username: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(username);
}

/** Only credentials that name a Baton identity, in a stable order (coordinator, admin, then nodes by name). */
function usable(credentials: readonly MosquittoCredential[]): { credential: MosquittoCredential; identity: Identity }[] {
  const rank = (identity: Identity): number => (identity.kind === 'coordinator' ? 0 : identity.kind === 'admin' ? 1 : 2);
  return credentials
    .filter((credential) => isPlainUsername(credential.username) && /^\$7\$[^:\s]+$/.test(credential.passwordHash))
    .flatMap((credential) => {
      const identity = identityOfUsername(credential.username);
      return identity === undefined ? [] : [{ credential, identity }];
    })
    .sort((a, b) => rank(a.identity) - rank(b.identity) || (a.credential.username < b.credential.username ? -1 : a.credential.username > b.credential.username ? 1 : 0));
}

export function renderPasswordFile(credentials: readonly MosquittoCredential[]): string {
  return usable(credentials)
    .map(({ credential }) => `${credential.username}:${credential.passwordHash}\n`)
    .join('');
}

/** `topic read|write|readwrite` lines for one identity's patterns. */
function topicLines(identity: Identity, topics: Topics, options: AclOptions): string[] {
  const { publish, subscribe } = aclPatterns(identity, topics, options);
  const lines: string[] = [];
  for (const pattern of subscribe) lines.push(`topic ${publish.includes(pattern) ? 'readwrite' : 'read'} ${pattern}`);
  for (const pattern of publish) if (!subscribe.includes(pattern)) lines.push(`topic write ${pattern}`);
  // `#` in an ACL does not reach `$SYS` topics; "everything" to read includes them.
  if (identity.kind === 'coordinator' || identity.kind === 'admin') lines.push('topic read $SYS/#');
  return lines;
}

export function renderAclFile(credentials: readonly MosquittoCredential[], topics: Topics, options: AclOptions): string {
  const lines = ['# Written by baton-coordinator; rewritten on every credential change. Do not edit.'];
  // Lines before the first `user` line are the anonymous client's.
  lines.push('# anonymous', ...topicLines(anonymousIdentity, topics, options));
  for (const { credential, identity } of usable(credentials)) {
    lines.push('', `user ${credential.username}`, ...topicLines(identity, topics, options));
  }
  return `${lines.join('\n')}\n`;
}

export interface MosquittoConfigOptions {
  /** The folder holding the other files: mosquitto is pointed at absolute paths. */
  readonly dir: string;
  readonly anonymousRead: boolean;
  /** Plain MQTT; `0.0.0.0`-style binding is mosquitto's default for a bare port. */
  readonly port: number;
  readonly tlsPort: number;
}

/**
 * baton.conf: one plain and one TLS listener sharing one set of security settings
 * (per_listener_settings false, mosquitto 2.0's default, said out loud: with it true,
 * each listener would need its own allow_anonymous, password_file and acl_file, and a
 * listener without them would let anyone in).
 */
export function renderMosquittoConfig(options: MosquittoConfigOptions): string {
  const path = (name: string): string => `${options.dir.replace(/\/+$/, '')}/${name}`;
  return [
    '# Written by baton-coordinator mosquitto-config. Use it as the whole configuration',
    '# (mosquitto -c baton.conf) or include it (a .conf file in /etc/mosquitto/conf.d).',
    'per_listener_settings false',
    `allow_anonymous ${options.anonymousRead ? 'true' : 'false'}`,
    `password_file ${path(MOSQUITTO_FILES.passwords)}`,
    `acl_file ${path(MOSQUITTO_FILES.acl)}`,
    '# Send each packet at once: with Nagle on, an acknowledgement can wait 40 ms for the',
    "# client's delayed ACK, and a `baton apply` takes that much longer.",
    'set_tcp_nodelay true',
    '',
    `listener ${options.port}`,
    '',
    `listener ${options.tlsPort}`,
    `cafile ${path(MOSQUITTO_FILES.caCert)}`,
    `certfile ${path(MOSQUITTO_FILES.serverCert)}`,
    `keyfile ${path(MOSQUITTO_FILES.serverKey)}`,
    '',
  ].join('\n');
}
