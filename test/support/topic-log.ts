import { randomBytes } from 'node:crypto';
import { MqttLink } from '../../protocol/mqtt-link.js';

/** One message as a subscriber received it; an empty payload is a cleared retained topic. */
export interface LoggedMessage {
  readonly topic: string;
  readonly payload: string;
  /** Receive time on this process's monotonic clock (performance.now()). */
  readonly at: number;
}

/**
 * Every message under `filter`, in the order the broker delivered them (retained ones
 * first), and the latest payload per topic. A listener sees each message after the
 * latest map took it in, so it can sample the whole picture at every change.
 */
export interface TopicLog {
  readonly messages: readonly LoggedMessage[];
  /** Topic -> latest payload; a cleared topic is dropped. */
  readonly latest: ReadonlyMap<string, string>;
  onMessage(listener: (message: LoggedMessage) => void): void;
  stop(): Promise<void>;
}

export async function recordTopics(url: string, filter: string): Promise<TopicLog> {
  const messages: LoggedMessage[] = [];
  const latest = new Map<string, string>();
  const listeners: ((message: LoggedMessage) => void)[] = [];
  const link = new MqttLink({ url, clientId: `test-log-${randomBytes(4).toString('hex')}`, reconnect: false });
  await link.start();
  await link.subscribe(filter, (topic, buffer) => {
    const message = { topic, payload: buffer.toString(), at: performance.now() };
    messages.push(message);
    if (message.payload === '') latest.delete(topic);
    else latest.set(topic, message.payload);
    for (const listener of listeners) listener(message);
  });
  return {
    messages,
    latest,
    onMessage: (listener) => void listeners.push(listener),
    stop: () => link.stop(),
  };
}
