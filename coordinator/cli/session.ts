import { randomBytes } from 'node:crypto';
import { redactBrokerUrl } from '../../protocol/broker-url.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import type { GlobalOptions } from './args.js';
import { resolveConnection, type Connection } from './credentials.js';
import { CliError } from './errors.js';

/**
 * One CLI run's connection to the broker. A CLI fails fast: no reconnecting, the
 * connect attempt bounded by --timeout, and `close()` always called so the process
 * exits when its work is done.
 */
export class Session {
  readonly clientId = `baton-cli-${randomBytes(6).toString('hex')}`;
  readonly topics: Topics;
  readonly link: MqttLink;

  /** `options.broker` is the broker actually used (see credentials.ts); `credentials` the user, password and CA, if any. */
  constructor(
    readonly options: GlobalOptions,
    credentials: Omit<Connection, 'broker'> = {},
  ) {
    this.topics = new Topics(options.prefix);
    this.link = new MqttLink({ url: options.broker, clientId: this.clientId, reconnect: false, connectTimeoutMs: options.timeoutMs, ...credentials });
  }

  /** Connects; rejects with BrokerUnreachableError. */
  async open(): Promise<void> {
    await this.link.start();
  }

  /** `5s`, `0.5s`: the timeout as messages print it. */
  get timeoutText(): string {
    return `${this.options.timeoutMs / 1000}s`;
  }

  brokerSilent(): CliError {
    return new CliError(`the MQTT broker at ${redactBrokerUrl(this.options.broker)} did not answer within ${this.timeoutText}`);
  }

  lostConnection(): CliError {
    return new CliError(`lost the connection to the MQTT broker at ${redactBrokerUrl(this.options.broker)}`);
  }

  /** Disconnects cleanly. Safe to call when open() failed. */
  async close(): Promise<void> {
    try {
      await this.link.stop();
    } catch {
      // Already closed (the connect failed); nothing left to release.
    }
  }
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Reads the credentials, opens a session, runs `work`, and always closes the session afterwards. */
export async function withSession<T>(options: GlobalOptions, work: (session: Session) => Promise<T>): Promise<T> {
  const { broker, ...credentials } = await resolveConnection(options);
  const session = new Session({ ...options, broker }, credentials);
  try {
    await session.open();
    return await work(session);
  } finally {
    await session.close();
  }
}
