import { createHash, X509Certificate } from 'node:crypto';

/**
 * The CA pin a join token carries: the lowercase hex sha256 of the CA certificate's DER
 * bytes. The coordinator computes it for the tokens it hands out; the agent computes it
 * for the CA it downloads and refuses a CA whose pin is not the token's. Throws when the
 * text holds no certificate.
 */
export function caSha256(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
