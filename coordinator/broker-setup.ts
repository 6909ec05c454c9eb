import type { Logger } from 'pino';
import type { Topics } from '../protocol/topics.js';
import type { AuthStore } from './auth/auth-store.js';
import { MosquittoSync } from './auth/mosquitto-sync.js';
import type { Pki } from './auth/pki.js';
import type { CoordinatorConfig } from './config.js';
import { EmbeddedBroker } from './embedded-broker.js';
import type { BrokerForAgents } from './http/agent-broker.js';

/**
 * The broker side of the coordinator's start: the embedded broker (always authenticating
 * against the auth store, with its TLS listener when asked for), or an external one whose
 * mosquitto files are kept in step with the credentials. What the rest of the start needs
 * comes back: where the coordinator's own client connects, what agents and the CLI are
 * told, and the listener to stop. The coordinator's and admin's credentials are made
 * here on the first start (admin.json names the broker the CLI on this machine uses).
 */
export interface BrokerSetup {
  embedded?: EmbeddedBroker;
  /** Where the coordinator's own client connects. */
  url: string;
  /** What the installer and joins tell agents. */
  agentBroker: BrokerForAgents;
  /** The embedded broker's TLS port, when it listens on TLS. */
  tlsPort?: number;
  /** The broker URL written into admin.json for the CLI on this machine. */
  adminBroker: string;
  /** Stops following credential changes. */
  stopFollowing: () => void;
}

/** Where the coordinator's own client connects to the embedded broker. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function url(scheme: 'mqtt' | 'mqtts', host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Rejects with the broker's own error (a port taken, a bad address); nothing is left listening then. */
export async function setUpBroker(config: CoordinatorConfig, auth: AuthStore, pki: Pki, topics: Topics, log: Logger): Promise<BrokerSetup> {
  if (config.broker.kind === 'external') {
    const external = config.broker.url;
    await auth.ensureBootstrap({ broker: external, ...(external.startsWith('mqtts:') ? { ca: pki.caCertPem } : {}) });
    let stopFollowing = (): void => undefined;
    if (config.mosquitto !== undefined) {
      const sync = new MosquittoSync({
        dir: config.mosquitto.dir,
        reloadCommand: config.mosquitto.reloadCommand,
        topics,
        acl: { anonymousRead: config.anonymousRead },
        credentials: () => auth.credentials(),
        log,
      });
      await sync.sync();
      stopFollowing = auth.onChange(() => void sync.sync());
    }
    return { url: external, agentBroker: { kind: 'external', url: external }, adminBroker: external, stopFollowing };
  }

  const embedded = new EmbeddedBroker(config.broker.host, config.broker.port, {
    auth: { authenticate: (username, password, clientId) => auth.authenticate(username, password, clientId), anonymousRead: config.anonymousRead, topics, log },
    ...(config.listenTls !== undefined ? { tls: { ...config.listenTls, cert: pki.serverCertPem, key: pki.serverKeyPem } } : {}),
  });
  let stopFollowingEarly: (() => void) | undefined;
  try {
    const address = await embedded.start();
    log.info({ listen: `${address.host}:${address.port}`, ...(address.tls ? { listenTls: `${address.tls.host}:${address.tls.port}` } : {}) }, 'embedded MQTT broker listening');
    // A credential removed or replaced (a node removed or joined again) ends its connections at once.
    const stopFollowing = auth.onChange((usernames) => {
      for (const username of usernames) embedded.disconnectUser(username);
    });
    stopFollowingEarly = stopFollowing;
    const local = loopbackHost(address.host);
    const adminBroker = address.tls !== undefined ? url('mqtts', loopbackHost(address.tls.host), address.tls.port) : url('mqtt', local, address.port);
    await auth.ensureBootstrap({ broker: adminBroker, ...(address.tls !== undefined ? { ca: pki.caCertPem } : {}) });
    return {
      embedded,
      url: url('mqtt', local, address.port),
      agentBroker: { kind: 'embedded', port: address.port, ...(address.tls !== undefined ? { tlsPort: address.tls.port } : {}) },
      ...(address.tls !== undefined ? { tlsPort: address.tls.port } : {}),
      adminBroker,
      stopFollowing,
    };
  } catch (error) {
    stopFollowingEarly?.();
    await embedded.stop();
    throw error;
  }
}
