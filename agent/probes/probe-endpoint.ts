import { isIPv6 } from 'node:net';
import type { ContainerSpec } from '../../protocol/manifest.js';

/**
 * Where an httpGet or tcpSocket probe connects, and how a failed connection reads. The
 * messages follow kubelet's (Go's dialer: "dial tcp 10.0.0.5:8080: connect: connection
 * refused") so users find them in Kubernetes' documentation and forums.
 */

export type Endpoint = { readonly host: string; readonly port: number } | { readonly problem: string };

/**
 * The probe's own `host` if it names one, else the pod's address (the pod IP, or
 * 127.0.0.1 with hostNetwork); the port by number or by the name of one of the
 * container's ports.
 */
export function resolveEndpoint(
  handler: { readonly host?: string | undefined; readonly port: number | string },
  spec: ContainerSpec,
  address: string | undefined,
): Endpoint {
  const port = typeof handler.port === 'number' ? handler.port : spec.ports?.find((p) => p.name === handler.port)?.containerPort;
  if (port === undefined) return { problem: `no container port named ${JSON.stringify(handler.port)}` };
  const host = handler.host ?? address;
  if (host === undefined) return { problem: 'the pod has no IP address yet' };
  return { host, port };
}

/** `host:port`, with an IPv6 host in brackets. */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

const connectErrors: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  ETIMEDOUT: 'i/o timeout',
};

/** How a failed connection to `host:port` reads, for Node's socket and DNS errors. */
export function dialErrorMessage(error: unknown, host: string, port: number): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const where = joinHostPort(host, port);
  if (code !== undefined) {
    const connect = connectErrors[code];
    if (connect !== undefined) return `dial tcp ${where}: ${connect}`;
    if (code === 'ENOTFOUND') return `dial tcp: lookup ${host}: no such host`;
    if (code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: temporary failure in name resolution`;
    if (code === 'ECONNRESET') return `read tcp ${where}: connection reset by peer`;
  }
  return error instanceof Error ? error.message : String(error);
}
