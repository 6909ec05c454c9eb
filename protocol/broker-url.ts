import type { ConnectionOptions } from 'node:tls';
import type { MqttLinkOptions } from './mqtt-link.js';

/**
 * A broker URL and what follows from it for a connection: its check, the credentials it
 * may carry, its redaction for logs and errors, and the TLS options of its scheme.
 */

export function parseBrokerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid broker URL ${JSON.stringify(redactBrokerUrl(url))}: expected mqtt://HOST:PORT`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:'].includes(parsed.protocol)) {
    throw new Error(`invalid broker URL ${JSON.stringify(redactBrokerUrl(url))}: the scheme must be mqtt:// or mqtts://`);
  }
  return parsed;
}

/**
 * The user name and password to connect with: the options', else the URL's own
 * (`mqtt://user:password@host:port`, percent-encoded as URLs are), else none.
 */
export function credentialsFor(url: URL, options: Pick<MqttLinkOptions, 'username' | 'password'>): { username?: string; password?: string } {
  const username = options.username ?? (url.username !== '' ? decodeURIComponent(url.username) : undefined);
  const password = options.password ?? (url.password !== '' ? decodeURIComponent(url.password) : undefined);
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/** A broker URL fit for a log line or an error: any password in it replaced by `***`. */
export function redactBrokerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** TLS options MQTT.js hands on to tls.connect (checkServerIdentity is not in its types). */
export interface LinkTlsOptions extends Pick<ConnectionOptions, 'rejectUnauthorized' | 'checkServerIdentity'> {
  ca?: string[];
}

/** The TLS options for a broker URL's scheme (`mqtts:`) and a pinned CA; none for a plain one or without a CA. */
export function tlsOptionsFor(protocol: string, ca: string | undefined): LinkTlsOptions {
  if (ca === undefined || !isTlsScheme(protocol)) return {};
  return { ca: [ca], rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

function isTlsScheme(protocol: string): boolean {
  return protocol === 'mqtts:' || protocol === 'ssl:';
}
