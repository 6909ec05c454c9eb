import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/**
 * The names and addresses the coordinator's server certificate must carry: every way a
 * person or a tool on the network may reach this machine (its name, its `.local` mDNS
 * name, each address of each interface that is not loopback, loopback itself), plus what
 * `--tls-san` adds. Agents trust the pinned CA and check no name, so this list matters to
 * `curl --cacert`, `mosquitto_sub --cafile` and the like.
 */

export interface SanSources {
  hostname: string;
  /** As os.networkInterfaces() gives them. */
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** `--tls-san NAME|IP`, repeatable. */
  extra: readonly string[];
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** A SAN as it goes into the certificate (names lowercased, no trailing dot), or why it cannot. */
export function normalizeSan(text: string): { ok: true; san: string } | { ok: false; reason: string } {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(trimmed) !== 0) return { ok: true, san: trimmed.toLowerCase() };
  const name = trimmed.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !DNS_NAME.test(name)) {
    return { ok: false, reason: `${JSON.stringify(text)} is neither a DNS name nor an IP address` };
  }
  return { ok: true, san: name };
}

/**
 * IPv6 link-local addresses (fe80::/10) are left out: they mean nothing without a zone,
 * which a certificate cannot hold, and Docker adds one for every container's veth, which
 * would change the list at every start.
 */
function isLinkLocalV6(address: string): boolean {
  return isIP(address) === 6 && /^fe[89ab]/i.test(address);
}

/** The wanted SANs, each once, in a stable order; throws on an `extra` entry that is neither a name nor an address. */
export function wantedSans(sources: SanSources): string[] {
  const sans = new Set<string>();
  const add = (text: string, from: string): void => {
    const normalized = normalizeSan(text);
    if (!normalized.ok) throw new Error(`${from}: ${normalized.reason}`);
    sans.add(normalized.san);
  };
  for (const fixed of ['localhost', '127.0.0.1', '::1']) add(fixed, 'built in');
  const host = normalizeSan(sources.hostname);
  // A host name that is no DNS name (rare; spaces, say) is not a way to reach the machine.
  if (host.ok && isIP(host.san) === 0) {
    sans.add(host.san);
    if (!host.san.endsWith('.local')) sans.add(`${host.san.split('.')[0] ?? host.san}.local`);
  }
  const names = Object.keys(sources.interfaces).sort();
  for (const name of names) {
    for (const info of sources.interfaces[name] ?? []) {
      if (info.internal || isLinkLocalV6(info.address)) continue;
      add(info.address, `interface ${name}`);
    }
  }
  for (const extra of sources.extra) add(extra, '--tls-san');
  return [...sans];
}
