import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../protocol/atomic-file.js';
import { caSha256 } from '../../protocol/ca-pin.js';
import { certificatePem, issueCertificate, publicKeyOf } from './certificate.js';
import { wantedSans } from './server-sans.js';

/**
 * The coordinator's small PKI in `<state dir>/tls`: a CA (ECDSA P-256, 10 years) made on
 * the first start and kept for good (its pin is in every join token and every agent's
 * credentials), and the TLS server certificate it signs for the MQTT and HTTP ports
 * (~2 years), re-issued by the same CA whenever it is missing, does not match its key,
 * was not signed by this CA, is not yet valid, expires within 30 days, or does not carry
 * every wanted name and address. Keys are 0600; every file is written atomically, a key
 * before its certificate, so a crash in between leaves a pair the next call repairs.
 */

export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 730;
export const RENEW_BEFORE_DAYS = 30;
/** Certificates start a day early: a Pi's clock may lag before NTP catches up. */
const BACKDATE_MS = 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

export const PKI_FILES = { caCert: 'ca.crt', caKey: 'ca.key', serverCert: 'server.crt', serverKey: 'server.key' } as const;

/** Where the PKI lives in a coordinator's state directory. */
export function pkiDir(stateDir: string): string {
  return join(stateDir, 'tls');
}

export interface PkiOptions {
  /** `--tls-san NAME|IP` entries, added to the built-in ones (see server-sans.ts). */
  sans?: readonly string[];
  /** For tests; the machine's own otherwise. */
  now?: Date;
  hostname?: string;
  interfaces?: ReturnType<typeof networkInterfaces>;
}

export interface Pki {
  caCertPem: string;
  /** The CA pin: lowercase hex sha256 of the CA certificate's DER bytes. */
  caSha256: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** The names and addresses the server certificate was checked against. */
  sans: string[];
  /** Absolute paths of the four files (mosquitto's cafile, certfile, keyfile). */
  paths: { caCert: string; caKey: string; serverCert: string; serverKey: string };
  /** What this call did, for the log: made the CA, re-issued the server certificate (and why). */
  caCreated: boolean;
  serverIssued: string | undefined;
}

/** A PKI that cannot be used as found; the message says what to do. */
export class PkiError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'PkiError';
  }
}

const newKeyPair = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const sameKey = (a: KeyObject, b: KeyObject): boolean => a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));

/** Makes or checks the PKI in `dir` (use pkiDir(stateDir)). Idempotent; throws PkiError when the CA is unusable. */
export async function ensurePki(dir: string, options: PkiOptions = {}): Promise<Pki> {
  const now = options.now ?? new Date();
  const sans = wantedSans({ hostname: options.hostname ?? hostname(), interfaces: options.interfaces ?? networkInterfaces(), extra: options.sans ?? [] });
  const paths = {
    caCert: join(dir, PKI_FILES.caCert),
    caKey: join(dir, PKI_FILES.caKey),
    serverCert: join(dir, PKI_FILES.serverCert),
    serverKey: join(dir, PKI_FILES.serverKey),
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const found = await loadCa(paths, now);
  const ca = found ?? (await createCa(paths, now));
  const server = await ensureServer(paths, ca, sans, now);
  return {
    caCertPem: ca.pem,
    caSha256: caSha256(ca.pem),
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    sans,
    paths,
    caCreated: found === undefined,
    serverIssued: server.issued,
  };
}

interface Ca {
  pem: string;
  cert: X509Certificate;
  key: KeyObject;
  commonName: string;
}

/** The CA as found; undefined when there is no ca.crt (a ca.key alone was never pinned by anyone). */
async function loadCa(paths: Pki['paths'], now: Date): Promise<Ca | undefined> {
  const pem = await readFileIfExists(paths.caCert);
  if (pem === undefined) return undefined;
  const keyText = await readFileIfExists(paths.caKey);
  const remedy = `restore it, or remove ${paths.caCert} to make a new CA (every node must then join again with a new token)`;
  if (keyText === undefined) throw new PkiError(`${paths.caKey} is missing, so ${paths.caCert} cannot sign anything: ${remedy}`);
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(pem);
    key = createPrivateKey(keyText);
  } catch (error) {
    throw new PkiError(`cannot read the CA in ${paths.caCert} and ${paths.caKey}: ${(error as Error).message}; ${remedy}`, { cause: error });
  }
  if (!cert.ca) throw new PkiError(`${paths.caCert} is not a CA certificate: ${remedy}`);
  if (!sameKey(cert.publicKey, publicKeyOf(key))) throw new PkiError(`${paths.caKey} is not the key of ${paths.caCert}: ${remedy}`);
  if (new Date(cert.validTo).getTime() <= now.getTime()) throw new PkiError(`the CA in ${paths.caCert} expired on ${cert.validTo}: ${remedy.replace('restore it, or ', '')}`);
  return { pem, cert, key, commonName: commonNameOf(cert) };
}

function commonNameOf(cert: X509Certificate): string {
  const line = cert.subject.split('\n').find((part) => part.startsWith('CN='));
  return line === undefined ? 'Baton CA' : line.slice('CN='.length);
}

async function createCa(paths: Pki['paths'], now: Date): Promise<Ca> {
  const { publicKey, privateKey } = newKeyPair();
  const commonName = `Baton CA ${now.toISOString().slice(0, 10)}`;
  const der = issueCertificate({
    commonName,
    publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    role: { kind: 'ca' },
    issuer: { kind: 'self', privateKey },
  });
  const pem = certificatePem(der);
  await writeFileAtomic(paths.caKey, keyPem(privateKey), 0o600);
  await writeFileAtomic(paths.caCert, pem, 0o644);
  return { pem, cert: new X509Certificate(pem), key: privateKey, commonName };
}

/** Why the server certificate must be issued again, or undefined when it is good. */
export function serverCertProblem(certPem: string | undefined, keyPem: string | undefined, ca: Pick<Ca, 'cert'>, sans: readonly string[], now: Date): string | undefined {
  if (certPem === undefined || keyPem === undefined) return 'missing';
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
  if (!sameKey(cert.publicKey, publicKeyOf(key))) return 'not the certificate of server.key';
  if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) return 'not signed by this CA';
  if (new Date(cert.validFrom).getTime() > now.getTime()) return `not valid before ${cert.validFrom}`;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return `expires on ${cert.validTo}`;
  const uncovered = sans.filter((san) => (isIP(san) === 0 ? cert.checkHost(san, { subject: 'never' }) : cert.checkIP(san)) === undefined);
  if (uncovered.length > 0) return `does not name ${uncovered.join(', ')}`;
  return undefined;
}

async function ensureServer(paths: Pki['paths'], ca: Ca, sans: readonly string[], now: Date): Promise<{ certPem: string; keyPem: string; issued: string | undefined }> {
  const certPem = await readFileIfExists(paths.serverCert);
  const keyText = await readFileIfExists(paths.serverKey);
  const problem = serverCertProblem(certPem, keyText, ca, sans, now);
  if (problem === undefined && certPem !== undefined && keyText !== undefined) return { certPem, keyPem: keyText, issued: undefined };
  const { publicKey, privateKey } = newKeyPair();
  const der = issueCertificate({
    commonName: sans.find((san) => san !== 'localhost' && isIP(san) === 0) ?? 'localhost',
    publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS),
    role: { kind: 'server', sans },
    issuer: { kind: 'ca', commonName: ca.commonName, publicKey: ca.cert.publicKey, privateKey: ca.key },
  });
  const pem = certificatePem(der);
  const newKeyPem = keyPem(privateKey);
  await writeFileAtomic(paths.serverKey, newKeyPem, 0o600);
  await writeFileAtomic(paths.serverCert, pem, 0o644);
  return { certPem: pem, keyPem: newKeyPem, issued: problem };
}
