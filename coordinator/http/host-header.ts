/**
 * The Host header of a request to the install server, checked. Its value ends up in a
 * shell script (DEFAULT_SERVER) and in the broker URL agents use, so only a host name or
 * an IP address with an optional port gets through: nothing a shell would read as more
 * than a word.
 */

export interface RequestHost {
  /** As the client wrote it (`pi-hub.local:8484`, `[fd00::1]:8484`): the server's authority. */
  authority: string;
  /** The host alone, without brackets (`pi-hub.local`, `fd00::1`). */
  hostname: string;
  port?: number;
}

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const NAME = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)\\.?(?::(\\d{1,5}))?$`);
const IPV6 = /^\[([0-9A-Fa-f:.]+(?:%25[A-Za-z0-9]+)?)\](?::(\d{1,5}))?$/;

/** Returns undefined for anything else: a missing header, spaces, quotes, a path, userinfo, a port out of range. */
export function parseHostHeader(header: string | undefined): RequestHost | undefined {
  if (header === undefined || header.length > 255) return undefined;
  const match = IPV6.exec(header) ?? NAME.exec(header);
  const hostname = match?.[1];
  if (!match || hostname === undefined) return undefined;
  if (IPV6.test(header) && !hostname.includes(':')) return undefined;
  const portText = match[2];
  if (portText === undefined) return { authority: header, hostname };
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { authority: header, hostname, port };
}

/** A host as it goes into a URL: IPv6 addresses in brackets. */
export function urlHost(hostname: string): string {
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}
