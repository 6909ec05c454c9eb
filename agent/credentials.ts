import { X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../protocol/atomic-file.js';
import { decodePayload } from '../protocol/codec.js';
import { parseBrokerUrl } from '../protocol/broker-url.js';
import { joinReplySchema } from '../protocol/join.js';

/**
 * The node's broker credentials, got by joining: `<state-dir>/credentials.json`, mode
 * 0600, written atomically once per join and read at every start. The file is the
 * node's identity: it is never overwritten or removed by the agent when it cannot be
 * used (another node's, unreadable, malformed); the agent stops with a line saying what
 * is wrong and that removing it makes the node join again.
 */

export const CREDENTIALS_FILE = 'credentials.json';
/** Far more than a password and a CA certificate need. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

/**
 * The file holds the coordinator's join reply as it came; it is checked a little more
 * closely than the reply's schema does (a broker URL, a certificate), so that what the
 * agent stores is what it can use.
 */
export const credentialsSchema = joinReplySchema.extend({
  broker: joinReplySchema.shape.broker.refine(isBrokerUrl, 'must be an mqtt:// or mqtts:// URL'),
  ca: joinReplySchema.shape.ca.refine(isCertificate, 'must be a PEM certificate'),
});
export type Credentials = z.output<typeof credentialsSchema>;

function isBrokerUrl(url: string): boolean {
  try {
    parseBrokerUrl(url);
    return true;
  } catch {
    return false;
  }
}

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Credentials that cannot be used: fatal, the file is kept as it is. */
export class CredentialsError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

export function credentialsPath(stateDir: string): string {
  return join(stateDir, CREDENTIALS_FILE);
}

/**
 * The saved credentials of `node`, or undefined when there is no file (the node has not
 * joined). Throws CredentialsError when the file is there but cannot be used.
 */
export async function loadCredentials(stateDir: string, node: string): Promise<Credentials | undefined> {
  const path = credentialsPath(stateDir);
  let text: string | undefined;
  try {
    text = await readFileIfExists(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CredentialsError(`cannot read ${path} (${reason}): let the agent read it, or remove it to join again`, { cause: error });
  }
  if (text === undefined) return undefined;
  const decoded = decodePayload(credentialsSchema, text, MAX_CREDENTIALS_BYTES);
  if (!decoded.ok) throw new CredentialsError(`${path} is not valid credentials (${decoded.reason}); remove it to join again`);
  if (decoded.value.node !== node) {
    throw new CredentialsError(`${CREDENTIALS_FILE} is for node ${decoded.value.node}, not ${node}; remove ${path} to join again`);
  }
  return decoded.value;
}

/** Writes the credentials, mode 0600, atomically (a power cut leaves the old file or the new one). */
export async function saveCredentials(stateDir: string, credentials: Credentials): Promise<void> {
  await writeFileAtomic(credentialsPath(stateDir), `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
}
