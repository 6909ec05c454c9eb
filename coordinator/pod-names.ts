import { createHash, randomInt } from 'node:crypto';
import { canonicalJson } from '../protocol/canonical-json.js';

/**
 * Names of generated pods, as Kubernetes makes them: `<deployment>-<pod-template-hash>-<5>`
 * and `<daemonset>-<5>`, from an alphabet without vowels (no accidental words) and
 * without characters that look alike.
 */

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** Pod names are DNS subdomains. */
const MAX_NAME_LENGTH = 253;

/** Five random characters; the production source of `Entropy.nameSuffix`. */
export function randomNameSuffix(): string {
  let out = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** A stable ten-character hash of a pod template: equal templates, equal hashes. */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
  return out;
}

/**
 * `<base>-<suffix>`, trying new suffixes until the name is not taken. The base is cut
 * so that the name stays a valid DNS subdomain.
 */
export function generatePodName(base: string, isTaken: (name: string) => boolean, nameSuffix: () => string): string {
  const room = MAX_NAME_LENGTH - SUFFIX_LENGTH - 1;
  const cut = base.length > room ? base.slice(0, room).replace(/[-.]+$/, '') : base;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const name = `${cut}-${nameSuffix()}`;
    if (!isTaken(name)) return name;
  }
  throw new Error(`could not find a free pod name for ${base} after 1000 attempts`);
}
