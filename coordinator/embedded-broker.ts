import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { mayPublish, maySubscribe } from '../protocol/acl.js';
import { anonymousIdentity, describeIdentity, mayUseClientId, usernameOf, type Identity } from '../protocol/identity.js';
import type { Topics } from '../protocol/topics.js';

/**
 * Who may connect, and the rule set every publish and subscribe is checked against.
 * `authenticate` answers for a username and password (never for anonymous: the broker
 * lets anonymous in only with `anonymousRead`).
 */
export interface BrokerAuth {
  authenticate(username: string, password: string, clientId: string): Identity | undefined;
  anonymousRead: boolean;
  topics: Topics;
  /** Where refusals are logged, one warn line each (a pino Logger fits). */
  log: { warn(fields: Record<string, unknown>, message: string): void };
}

export interface EmbeddedBrokerOptions {
  /** Undefined: no authentication, everyone may do everything (as before Baton had credentials). */
  auth?: BrokerAuth;
  /** A second listener speaking MQTT over TLS; PEM strings. */
  tls?: { host: string; port: number; cert: string; key: string };
}

export interface BrokerAddresses {
  host: string;
  port: number;
  tls?: { host: string; port: number };
}

function refusedConnect(message: string): AuthenticateError {
  // 5: "not authorized" in the CONNACK.
  return Object.assign(new Error(message), { returnCode: 5 }) as AuthenticateError;
}

/**
 * The embedded MQTT broker (aedes), for a fleet that has no broker of its own. The one
 * file that imports aedes, lazily, so a coordinator on an external broker never loads it.
 * Retained messages live in memory: they are gone when the coordinator restarts, which
 * is why every program republishes its retained messages on reconnect.
 *
 * With `auth`, what a client sees when refused: a bad connect gets CONNACK 5 (not
 * authorized); a refused subscribe gets SUBACK 0x80 and the connection stays; a refused
 * publish closes the connection (aedes has no way to drop it silently; MQTT 3.1.1
 * §3.3.5 allows either), and nothing is delivered or retained. A connect whose will
 * the identity could not publish is refused too, as mosquitto does.
 */
export class EmbeddedBroker {
  private servers: Server[] = [];
  private closeBroker: (() => Promise<void>) | undefined;
  /** The identity each connected client authenticated as; set only with `auth`. */
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly wills = new WeakMap<Client, string>();
  /** Connected clients, for disconnectUser. */
  private readonly connected = new Set<Client>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: EmbeddedBrokerOptions = {},
  ) {}

  /** Listens; rejects with a clear message if an address cannot be used. */
  async start(): Promise<BrokerAddresses> {
    const { Aedes } = await import('aedes');
    const broker = await Aedes.createBroker(this.hooks());
    this.closeBroker = () => new Promise((resolve) => broker.close(() => resolve()));
    broker.on('clientReady', (client) => this.connected.add(client));
    broker.on('clientDisconnect', (client) => this.connected.delete(client));
    const plain = await this.listen(withoutNagle(createServer(broker.handle)), this.host, this.port);
    const tls = this.options.tls;
    if (tls === undefined) return plain;
    const secure = await this.listen(withoutNagle(createTlsServer({ cert: tls.cert, key: tls.key }, broker.handle)), tls.host, tls.port);
    return { ...plain, tls: secure };
  }

  /**
   * Closes every connection that authenticated as `username` (a credential removed or
   * replaced: the old password stops working now, not at the next reconnect). Returns
   * how many were closed.
   */
  disconnectUser(username: string): number {
    let closed = 0;
    for (const client of [...this.connected]) {
      const identity = this.identities.get(client);
      if (identity !== undefined && usernameOf(identity) === username) {
        client.close();
        closed++;
      }
    }
    return closed;
  }

  /** Disconnects every client and stops listening. Idempotent. */
  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    await this.closeBroker?.();
    this.closeBroker = undefined;
    this.connected.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private async listen(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new Error(`cannot listen on ${host}:${port}: ${why}`, { cause: error }));
      });
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  private hooks(): AedesOptions {
    const auth = this.options.auth;
    if (auth === undefined) return {};
    const options = { anonymousRead: auth.anonymousRead };
    const refuse = (fields: { username: string | undefined; clientId: string; topic?: string }, reason: string): void => {
      auth.log.warn({ username: fields.username ?? null, clientId: fields.clientId, ...(fields.topic !== undefined ? { topic: fields.topic } : {}), reason }, 'MQTT client refused');
    };
    return {
      preConnect: (client, packet, done) => {
        // Kept for authenticate, which aedes calls without the will.
        if (packet.will) this.wills.set(client, packet.will.topic);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        const clientId = client.id;
        let identity: Identity | undefined;
        if (username === undefined || username === '') {
          if (!auth.anonymousRead) {
            refuse({ username, clientId }, 'AnonymousNotAllowed');
            return done(refusedConnect('not authorized'), false);
          }
          identity = anonymousIdentity;
        } else {
          identity = password === undefined ? undefined : auth.authenticate(username, password.toString('utf8'), clientId);
          if (identity === undefined) {
            refuse({ username, clientId }, 'BadCredentials');
            return done(refusedConnect('not authorized'), false);
          }
        }
        if (!mayUseClientId(identity, clientId)) {
          refuse({ username, clientId }, `ClientIdNotAllowed: ${describeIdentity(identity)} may not connect as this client id`);
          return done(refusedConnect('not authorized'), false);
        }
        const will = this.wills.get(client);
        if (will !== undefined && !mayPublish(identity, will, auth.topics, options)) {
          refuse({ username, clientId, topic: will }, `WillNotAllowed: ${describeIdentity(identity)} may not publish its will here`);
          return done(refusedConnect('not authorized'), false);
        }
        this.identities.set(client, identity);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        // No client: aedes publishing a will of a client gone with an earlier broker
        // process; wills were checked when their client connected.
        if (client === null) return done(null);
        const identity = this.identities.get(client);
        if (identity !== undefined && mayPublish(identity, packet.topic, auth.topics, options)) return done(null);
        const username = identity === undefined ? undefined : usernameOf(identity);
        const reason = `PublishNotAllowed: ${identity === undefined ? 'an unauthenticated client' : describeIdentity(identity)} may not publish here`;
        refuse({ username, clientId: client.id, topic: packet.topic }, reason);
        done(new Error(reason));
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = this.identities.get(client);
        if (identity !== undefined && maySubscribe(identity, subscription.topic, auth.topics, options)) return done(null, subscription);
        const username = identity === undefined ? undefined : usernameOf(identity);
        refuse(
          { username, clientId: client.id, topic: subscription.topic },
          `SubscribeNotAllowed: ${identity === undefined ? 'an unauthenticated client' : describeIdentity(identity)} may not subscribe to this filter`,
        );
        // A null subscription: SUBACK 0x80 for this filter; the connection stays.
        done(null, null);
      },
    };
  }
}

/**
 * Sends each MQTT packet at once on every client's socket: with Nagle's algorithm on, an
 * acknowledgement written while an earlier packet is unacknowledged waits for the
 * client's delayed ACK (40 ms on Linux), and a `baton apply` waited that long.
 */
function withoutNagle<T extends Server>(server: T): T {
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  return server;
}
