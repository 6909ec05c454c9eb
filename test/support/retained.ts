import { randomUUID } from 'node:crypto';
import { MqttLink } from '../../protocol/mqtt-link.js';

/**
 * The retained messages under `filter`, as a maker's client would see them right now.
 * After subscribing it publishes a marker to its own topic and waits for it: the broker
 * delivers the retained messages of a subscription before anything published later.
 */
export async function readRetained(url: string, filter: string): Promise<Map<string, string>> {
  const clientId = `baton-test-${randomUUID().slice(0, 8)}`;
  const link = new MqttLink({ url, clientId, reconnect: false });
  await link.start();
  const messages = new Map<string, string>();
  const marker = `baton-test/${clientId}/marker`;
  try {
    const done = new Promise<void>((resolve) => {
      void link.subscribe(marker, () => resolve());
    });
    await link.subscribe(filter, (topic, payload) => {
      if (payload.length > 0) messages.set(topic, payload.toString());
    });
    await link.publish(marker, 'x', { retain: false });
    await done;
  } finally {
    await link.stop();
  }
  return messages;
}
