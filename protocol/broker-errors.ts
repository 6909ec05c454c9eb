/**
 * Why a connection to the broker failed, in words a user can act on: the error every
 * program shows when the broker is down, unknown, or presents a certificate it cannot trust.
 */

/** The broker could not be reached or refused the connection. */
export class BrokerUnreachableError extends Error {
  constructor(readonly url: string, options: { cause: unknown }) {
    super(`cannot connect to the MQTT broker at ${url}: ${describeCause(options.cause)}`, options);
    this.name = 'BrokerUnreachableError';
  }
}

/** OpenSSL's codes for a chain that does not lead to the trusted CA. */
const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused (is the broker running?)';
    if (code === 'ENOTFOUND') return 'host not found';
    if (code !== undefined && UNTRUSTED_CHAIN.has(code)) {
      return `the broker's TLS certificate is not signed by the trusted CA (${code}: ${cause.message})`;
    }
    if (code === 'CERT_HAS_EXPIRED') return `the broker's TLS certificate has expired (${code})`;
    return cause.message;
  }
  return String(cause);
}
