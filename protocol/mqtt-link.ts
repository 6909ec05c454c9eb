import { connect, type IClientOptions, type IStore, type MqttClient } from 'mqtt';
import { DEFAULT_RECONNECT_POLICY, INITIAL_RECONNECT_STATE, nextReconnect, type ReconnectPolicy, type ReconnectState } from './reconnect-backoff.js';
import { credentialsFor, parseBrokerUrl, redactBrokerUrl, tlsOptionsFor, type LinkTlsOptions } from './broker-url.js';
import { topicMatches } from './topics.js';
import { BrokerUnreachableError, describeCause } from './broker-errors.js';

/**
 * The one adapter over MQTT.js. MQTT 3.1.1 only (retained messages, last will, QoS 1),
 * so any broker works. Publishing is for snapshots: while disconnected a publish is
 * dropped (it returns false) instead of queued, and owners republish their snapshots
 * from `onConnect`, so nothing grows without bound during an outage.
 *
 * Reconnecting is Baton's, not MQTT.js's (whose period is fixed): after a connection is
 * lost or an attempt fails, the next attempt waits as reconnect-backoff.ts says (1 s
 * doubling to 30 s, jittered, starting over after a connection that stayed up). When a
 * connection closes, whatever was still waiting for the broker's acknowledgement is
 * dropped (its publish resolves false) rather than replayed on the next connection: a
 * replayed snapshot would only be older than the one its owner republishes on connect.
 */

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface MqttLinkOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  clientId: string;
  will?: { topic: string; payload: string; retain: boolean };
  keepaliveSeconds?: number;
  /** Reconnect forever (daemons) or fail on the first error (the CLI). */
  reconnect: boolean;
  connectTimeoutMs?: number;
  /** How long to wait between reconnect attempts (tests shorten it). */
  reconnectPolicy?: ReconnectPolicy;
  username?: string;
  password?: string;
  /**
   * A private CA (PEM) to trust for an `mqtts://` broker: the broker's chain must lead to
   * it and to nothing else (the system's roots are not consulted), and its host name is
   * not checked, because the CA is Baton's own and pinned (the agent checked its hash
   * against the join token), so whatever it signed is the broker, whatever name or
   * address reached it. Without a CA, `mqtts://` trusts the system's roots and checks the
   * host name, as any TLS client does. An `mqtt://` URL stays plain either way: the
   * scheme decides, the CA only says whom to trust once TLS is on.
   */
  ca?: string;
  /**
   * Where a daemon's link says why it cannot connect (refused credentials, a certificate
   * not from its CA, a broker that is down): once per distinct reason until it connects
   * again, so a retry every 30 s does not repeat the line. A pino Logger fits.
   */
  log?: { warn(fields: Record<string, unknown>, message: string): void };
}

/** What the client holds for the broker; all zero while disconnected (see `backlog`). */
export interface LinkBacklog {
  /** Packets sent and not yet acknowledged. */
  inFlight: number;
  /** Packets held for the next connection (MQTT.js's offline queue). */
  queued: number;
  /** Packets in the outgoing store, kept for a resend. */
  stored: number;
}

/** Deletes every packet held in an MQTT.js store. */
async function emptyStore(store: IStore): Promise<void> {
  const ids: number[] = [];
  for await (const packet of store.createStream() as AsyncIterable<unknown>) {
    const id = typeof packet === 'object' && packet !== null ? (packet as { messageId?: unknown }).messageId : undefined;
    if (typeof id === 'number') ids.push(id);
  }
  for (const id of ids) store.del({ messageId: id }, () => undefined);
}

export class MqttLink {
  private client: MqttClient | undefined;
  private readonly handlers: { filter: string; handler: MessageHandler }[] = [];
  private readonly connectListeners: (() => void)[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectState: ReconnectState = INITIAL_RECONNECT_STATE;
  /** performance.now() when the current connection came up; undefined while down. */
  private connectedAt: number | undefined;
  /** Counts closed connections: a publish that fails across one was lost with it. */
  private closedConnections = 0;
  private stopping = false;
  /** Why the last attempt failed, logged once; undefined once connected. */
  private lastFailure: string | undefined;
  /** The store being emptied after the last close (backlog reports once it is done). */
  private emptying: Promise<void> = Promise.resolve();

  constructor(private readonly options: MqttLinkOptions) {}

  get isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Called after every (re)connect, once subscriptions are restored: republish snapshots here. */
  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  /**
   * Connects. With `reconnect: false` it resolves once connected or rejects with
   * BrokerUnreachableError. With `reconnect: true` it resolves at once and keeps trying
   * in the background, so a daemon starts and works without its broker.
   */
  start(): Promise<void> {
    const url = parseBrokerUrl(this.options.url);
    const clientOptions: IClientOptions & LinkTlsOptions = {
      protocol: url.protocol.replace(':', '') as IClientOptions['protocol'],
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'mqtts:' ? 8883 : 1883,
      protocolVersion: 4,
      clientId: this.options.clientId,
      clean: true,
      keepalive: this.options.keepaliveSeconds ?? 10,
      reconnectPeriod: 0, // attempts are scheduled by onClose, with back-off
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      queueQoSZero: false,
      resubscribe: false, // restored in the connect handler, before the onConnect listeners run
      // MQTT.js would otherwise pre-build a Buffer for each of the 65,536 packet ids: 6 MiB
      // of heap for the life of the process, on a Pi that has little to spare.
      writeCache: false,
      ...credentialsFor(url, this.options),
      ...(this.options.will ? { will: { ...this.options.will, qos: 1 as const } } : {}),
      ...tlsOptionsFor(url.protocol, this.options.ca),
    };
    const client = connect(clientOptions);
    this.client = client;
    disableNagle(client);
    client.on('message', (topic, payload) => {
      for (const { filter, handler } of this.handlers) {
        if (topicMatches(filter, topic)) handler(topic, payload);
      }
    });
    client.on('connect', () => {
      disableNagle(client); // a reconnect builds a new socket
      this.connectedAt = performance.now();
      this.lastFailure = undefined;
      void this.restoreSubscriptions(client).then(() => {
        for (const listener of this.connectListeners) listener();
      });
    });
    client.on('close', () => this.onClose(client));
    if (this.options.reconnect) {
      client.on('error', (error) => {
        // Reconnection is automatic; owners watch `isConnected` and `onConnect`.
        const reason = describeCause(error);
        if (reason === this.lastFailure) return;
        this.lastFailure = reason;
        this.options.log?.warn({ broker: redactBrokerUrl(this.options.url), reason: 'BrokerUnreachable' }, `cannot connect to the MQTT broker: ${reason}`);
      });
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const fail = (cause: unknown): void => {
        client.end(true);
        reject(new BrokerUnreachableError(redactBrokerUrl(this.options.url), { cause }));
      };
      client.once('connect', () => resolve());
      client.once('error', fail);
      client.once('close', () => {
        if (!client.connected) fail(new Error('connection closed'));
      });
    });
  }

  /**
   * A connection closed (lost, refused, timed out, or ended by `stop`). Drops what waited
   * for an acknowledgement on it, then schedules the next attempt. Runs once per
   * connection attempt; an attempt already scheduled is not doubled.
   */
  private onClose(client: MqttClient): void {
    this.closedConnections += 1;
    // Each removal fails its publish (resolved false by publish). MQTT.js may have failed
    // them already, leaving the packets in its store for a resend: those go too.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    this.emptying = emptyStore(client.outgoingStore).catch(() => undefined);
    const connectedForMs = this.connectedAt === undefined ? undefined : performance.now() - this.connectedAt;
    this.connectedAt = undefined;
    if (!this.options.reconnect || this.stopping || this.reconnectTimer !== undefined) return;
    const next = nextReconnect(this.reconnectState, { connectedForMs, random: Math.random() }, this.options.reconnectPolicy ?? DEFAULT_RECONNECT_POLICY);
    this.reconnectState = next.state;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // A fresh outgoing store and the same options; 'close' comes again if it fails.
      if (!this.stopping) client.reconnect();
    }, next.delayMs);
  }

  /**
   * What the client holds for the broker. While disconnected all three stay zero however
   * many publishes are attempted: the proof that an outage queues nothing (tests, and a
   * diagnostic for the curious). While connected, `inFlight` counts unacknowledged QoS 1
   * packets, bounded by how long a silent connection takes to be declared dead (1.5 × the
   * keep-alive), after which they are dropped.
   */
  async backlog(): Promise<LinkBacklog> {
    const client = this.requireClient();
    await this.emptying;
    let stored = 0;
    for await (const _packet of client.outgoingStore.createStream()) stored += 1;
    return { inFlight: Object.keys(client.outgoing).length, queued: client.queue.length, stored };
  }

  /** Subscribes (QoS 1) and routes matching messages to `handler`; kept across reconnects. */
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.handlers.push({ filter, handler });
    const client = this.requireClient();
    if (!client.connected) return; // subscribed on connect by restoreSubscriptions
    await this.subscribeNow(client, [filter]);
  }

  /**
   * Subscribes (QoS 1) to several filters in ONE SUBSCRIBE packet. Brokers handle the
   * filters of one packet in order, so the retained messages of an earlier filter are
   * delivered before those of a later one (aedes does not promise that across packets).
   */
  async subscribeAll(filters: readonly string[], handler: MessageHandler): Promise<void> {
    for (const filter of filters) this.handlers.push({ filter, handler });
    const client = this.requireClient();
    if (!client.connected || filters.length === 0) return;
    await this.subscribeNow(client, filters);
  }

  /** A daemon's subscription lost with its connection is restored on the next; the CLI's fails. */
  private async subscribeNow(client: MqttClient, filters: readonly string[]): Promise<void> {
    if (!this.options.reconnect) {
      await client.subscribeAsync([...filters], { qos: 1 });
      return;
    }
    await this.unlessConnectionLost(client, () => client.subscribeAsync([...filters], { qos: 1 }));
  }

  private async restoreSubscriptions(client: MqttClient): Promise<void> {
    const filters = [...new Set(this.handlers.map((h) => h.filter))];
    if (filters.length === 0) return;
    try {
      await client.subscribeAsync(filters, { qos: 1 });
    } catch {
      // The connection dropped while subscribing; the next connect tries again.
    }
  }

  async unsubscribe(filter: string): Promise<void> {
    const index = this.handlers.findIndex((h) => h.filter === filter);
    if (index >= 0) this.handlers.splice(index, 1);
    if (this.client?.connected) await this.client.unsubscribeAsync(filter);
  }

  /**
   * Publishes at QoS 1 and resolves true once the broker has acknowledged it. Resolves
   * false, and keeps nothing, when it was not delivered: at once if disconnected, or when
   * the connection is lost before the acknowledgement. Owners republish their snapshots
   * from `onConnect`. An empty payload with `retain` clears the retained message.
   */
  async publish(topic: string, payload: string | Buffer, options: { retain: boolean }): Promise<boolean> {
    const client = this.requireClient();
    if (!client.connected) return false;
    const sent = await this.unlessConnectionLost(client, () => client.publishAsync(topic, payload, { qos: 1, retain: options.retain }));
    return sent !== 'lost';
  }

  /**
   * Runs an exchange with the broker; if it fails because its connection went away,
   * returns 'lost' (a resubscribe or a republish on the next connect makes up for it).
   * Any other failure is thrown.
   */
  private async unlessConnectionLost<T>(client: MqttClient, exchange: () => Promise<T>): Promise<T | 'lost'> {
    const stream = client.stream;
    const closedBefore = this.closedConnections;
    try {
      return await exchange();
    } catch (error) {
      // MQTT.js fails pending packets just before it closes the socket, so either sign counts.
      if (this.closedConnections !== closedBefore || stream.destroyed || !client.connected) return 'lost';
      throw error;
    }
  }

  /**
   * Says goodbye and closes the connection; never hangs. If connected, publishes
   * `farewell` (a retained `offline` status, say) and sends DISCONNECT, so the broker
   * does not fire the last will. Whatever is not done within `timeoutMs` (the broker
   * went away at the same moment) is abandoned and the socket closed. Idempotent.
   */
  async stop(options: { farewell?: { topic: string; payload: string; retain: boolean }; timeoutMs?: number } = {}): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const farewell = options.farewell;
    const graceful = (async () => {
      if (farewell !== undefined && client.connected) {
        await client.publishAsync(farewell.topic, farewell.payload, { qos: 1, retain: farewell.retain });
      }
      await client.endAsync(false);
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 2000);
    });
    const outcome = await Promise.race([graceful.then(() => 'done' as const, () => 'failed' as const), deadline]);
    clearTimeout(timer);
    if (outcome !== 'done') await client.endAsync(true);
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error('MqttLink used before start()');
    return this.client;
  }
}

/**
 * Sends each MQTT packet at once. With Nagle's algorithm on (MQTT.js leaves it on), a
 * small packet written while the previous one is unacknowledged waits for the peer's
 * delayed ACK, 40 ms on Linux: a CLI's SUBSCRIBE, SUBSCRIBE, PUBLISH took ~50 ms idle.
 */
function disableNagle(client: MqttClient): void {
  const socket = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  socket?.setNoDelay?.(true);
}
