import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, booleanTrue, explicit, implicitPrimitive, integer, namedBits, octetString, oid, sequence, set, time, utf8String } from './der.js';

/**
 * An X.509 v3 certificate (RFC 5280) for an ECDSA P-256 key, signed with ECDSA-SHA256:
 * either Baton's CA (self-signed, may sign server certificates and nothing below them) or
 * a TLS server certificate with its host names and addresses. Built from node:crypto's
 * keys and der.ts; no I/O.
 */

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export interface CertificateRequest {
  /** The subject's common name (a label for people; TLS looks at the SANs). */
  commonName: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** What it is for: the CA, or a server with these DNS names and IP addresses. */
  role: { kind: 'ca' } | { kind: 'server'; sans: readonly string[] };
  /** Who signs: itself (the CA), or the CA's certificate subject and key. */
  issuer: { kind: 'self'; privateKey: KeyObject } | { kind: 'ca'; commonName: string; publicKey: KeyObject; privateKey: KeyObject };
}

const ORGANIZATION = 'Baton';

function name(commonName: string): Buffer {
  const attribute = (type: string, value: string): Buffer => set(sequence(oid(type), utf8String(value)));
  return sequence(attribute(OID.organization, ORGANIZATION), attribute(OID.commonName, commonName));
}

/** The key identifier of RFC 5280 4.2.1.2 (1): SHA-1 of the public key's bits. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined) throw new Error('an ECDSA P-256 public key is expected');
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return createHash('sha1').update(point).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [booleanTrue()] : []), octetString(value));
}

/** The subjectAltName's entries: dNSName [2] for names, iPAddress [7] for addresses (4 or 16 bytes). */
export function generalNames(sans: readonly string[]): Buffer {
  return sequence(...sans.map((san) => (isIP(san) === 0 ? implicitPrimitive(2, Buffer.from(san, 'ascii')) : implicitPrimitive(7, ipBytes(san)))));
}

/** An IPv4 or IPv6 address (no zone) as its network bytes. */
export function ipBytes(address: string): Buffer {
  const version = isIP(address);
  if (version === 4) return Buffer.from(address.split('.').map(Number));
  if (version !== 6) throw new Error(`not an IP address: ${address}`);
  let text = address;
  // An IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

/** A positive 16-byte serial number (RFC 5280: at most 20 bytes, unpredictable). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

/** The certificate, DER. */
export function issueCertificate(request: CertificateRequest): Buffer {
  const { role, issuer } = request;
  const issuerName = issuer.kind === 'self' ? request.commonName : issuer.commonName;
  const issuerKeyId = keyIdentifier(issuer.kind === 'self' ? request.publicKey : issuer.publicKey);
  const extensions =
    role.kind === 'ca'
      ? [
          extension(OID.basicConstraints, true, sequence(booleanTrue(), integer(0))),
          extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
        ]
      : [
          extension(OID.basicConstraints, true, sequence()),
          extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
          extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
          extension(OID.subjectAltName, false, generalNames(role.sans)),
        ];
  extensions.push(
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(request.publicKey))),
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, issuerKeyId))),
  );
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    algorithm,
    name(issuerName),
    sequence(time(request.notBefore), time(request.notAfter)),
    name(request.commonName),
    request.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  // node:crypto signs EC keys as a DER ECDSA-Sig-Value, which is what X.509 wants.
  const signature = sign('sha256', tbs, issuer.privateKey);
  return sequence(tbs, algorithm, bitString(signature));
}

/** PEM armour for a DER certificate. */
export function certificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The public key inside a private key, for the CA's key identifier. */
export const publicKeyOf = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);
