import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { topicMatches } from './topics.js';

/**
 * The one adapter over MQTT.js. MQTT 3.1.1 only (retained messages, last will, QoS 1),
 * so any broker works. Publishing is for snapshots: while disconnected a publish is
 * dropped (it returns false) instead of queued, and owners republish their snapshots
 * from `onConnect`, so nothing grows without bound during an outage.
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
  username?: string;
  password?: string;
}

/** The broker could not be reached or refused the connection. */
export class BrokerUnreachableError extends Error {
  constructor(readonly url: string, options: { cause: unknown }) {
    super(`cannot connect to the MQTT broker at ${url}: ${describeCause(options.cause)}`, options);
    this.name = 'BrokerUnreachableError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused (is the broker running?)';
    if (code === 'ENOTFOUND') return 'host not found';
    return cause.message;
  }
  return String(cause);
}

export function parseBrokerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid broker URL ${JSON.stringify(url)}: expected mqtt://HOST:PORT`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:'].includes(parsed.protocol)) {
    throw new Error(`invalid broker URL ${JSON.stringify(url)}: the scheme must be mqtt:// or mqtts://`);
  }
  return parsed;
}

export class MqttLink {
  private client: MqttClient | undefined;
  private readonly handlers: { filter: string; handler: MessageHandler }[] = [];
  private readonly connectListeners: (() => void)[] = [];

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
    const clientOptions: IClientOptions = {
      protocol: url.protocol.replace(':', '') as IClientOptions['protocol'],
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'mqtts:' ? 8883 : 1883,
      protocolVersion: 4,
      clientId: this.options.clientId,
      clean: true,
      keepalive: this.options.keepaliveSeconds ?? 10,
      reconnectPeriod: this.options.reconnect ? 1000 : 0,
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      queueQoSZero: false,
      resubscribe: false, // restored in the connect handler, before the onConnect listeners run
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      ...(this.options.will ? { will: { ...this.options.will, qos: 1 as const } } : {}),
    };
    const client = connect(clientOptions);
    this.client = client;
    client.on('message', (topic, payload) => {
      for (const { filter, handler } of this.handlers) {
        if (topicMatches(filter, topic)) handler(topic, payload);
      }
    });
    client.on('connect', () => {
      void this.restoreSubscriptions(client).then(() => {
        for (const listener of this.connectListeners) listener();
      });
    });
    if (this.options.reconnect) {
      client.on('error', () => {
        // Reconnection is automatic; owners watch `isConnected` and `onConnect`.
      });
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const fail = (cause: unknown): void => {
        client.end(true);
        reject(new BrokerUnreachableError(this.options.url, { cause }));
      };
      client.once('connect', () => resolve());
      client.once('error', fail);
      client.once('close', () => {
        if (!client.connected) fail(new Error('connection closed'));
      });
    });
  }

  /** Subscribes (QoS 1) and routes matching messages to `handler`; kept across reconnects. */
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.handlers.push({ filter, handler });
    const client = this.requireClient();
    if (!client.connected) return; // subscribed on connect by restoreSubscriptions
    await client.subscribeAsync(filter, { qos: 1 });
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
    await client.subscribeAsync([...filters], { qos: 1 });
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
   * Publishes at QoS 1. Returns false without queueing if disconnected. An empty
   * payload with `retain` clears the retained message.
   */
  async publish(topic: string, payload: string | Buffer, options: { retain: boolean }): Promise<boolean> {
    const client = this.requireClient();
    if (!client.connected) return false;
    await client.publishAsync(topic, payload, { qos: 1, retain: options.retain });
    return true;
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
