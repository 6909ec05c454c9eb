import { urlHost } from './host-header.js';

/**
 * Which broker a Pi that fetched the installer should use. The coordinator's own view of
 * its broker (127.0.0.1, 0.0.0.0) means nothing on another machine, but the host name the
 * Pi used to reach this coordinator does reach it, so a broker on this machine is named
 * by that host name. An external broker elsewhere is named as configured, without its
 * user name and password (the installer is served to anyone who asks).
 */

/** `tlsPort`: the embedded broker's TLS listener, which agents are sent to when it is on (their credentials must not travel in clear). */
export type BrokerForAgents = { kind: 'embedded'; port: number; tlsPort?: number } | { kind: 'external'; url: string };

const LOCAL_HOSTS = new Set(['localhost', '0.0.0.0', '::', '[::]', '::1', '[::1]']);

/** True for a host that names this machine only (loopback) or every address of it (wildcard). */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOCAL_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host.endsWith('.localhost');
}

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883 };

/** The broker URL for agents, given the host name the request came in on. `url` was checked by the config. */
export function agentBrokerUrl(broker: BrokerForAgents, requestHostname: string): string {
  if (broker.kind === 'embedded') {
    return broker.tlsPort !== undefined ? `mqtts://${urlHost(requestHostname)}:${broker.tlsPort}` : `mqtt://${urlHost(requestHostname)}:${broker.port}`;
  }
  const url = new URL(broker.url);
  const port = url.port !== '' ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 1883);
  const host = isLocalHost(url.hostname) ? urlHost(requestHostname) : url.hostname;
  return `${url.protocol}//${host}:${port}`;
}
