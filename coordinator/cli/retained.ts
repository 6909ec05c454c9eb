import { randomBytes } from 'node:crypto';
import { withTimeout, type Session } from './session.js';

/**
 * Reads the retained messages under some topic filters, complete, without waiting a
 * fixed time. It first leaves a retained marker on this client's own sync topic, then
 * subscribes to the filters AND the sync topic in one SUBSCRIBE packet: the broker sends
 * the retained messages of the filters in the order given, so once the marker arrives
 * every earlier retained message has. (A marker published after subscribing is not
 * enough: aedes streams retained messages and may interleave a later publish.) The
 * marker is cleared again afterwards. An empty payload is a cleared message and counts
 * as absent. Returns topic -> payload.
 */
export async function readRetained(session: Session, filters: readonly string[]): Promise<Map<string, Buffer>> {
  const { link, topics, clientId, options } = session;
  const syncTopic = topics.clientSync(clientId);
  const nonce = randomBytes(8).toString('hex');
  const messages = new Map<string, Buffer>();
  let markerArrived: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (markerArrived = resolve));

  if (!(await link.publish(syncTopic, nonce, { retain: true }))) throw session.lostConnection();
  try {
    await link.subscribeAll([...filters, syncTopic], (topic, payload) => {
      if (topic === syncTopic) {
        if (payload.toString() === nonce) markerArrived();
      } else if (payload.length === 0) {
        messages.delete(topic);
      } else {
        messages.set(topic, payload);
      }
    });
    await withTimeout(arrived, options.timeoutMs, () => session.brokerSilent());
  } finally {
    await clearMarker(session, syncTopic);
  }
  return new Map(messages);
}

async function clearMarker(session: Session, syncTopic: string): Promise<void> {
  try {
    await session.link.publish(syncTopic, '', { retain: true });
  } catch {
    // The connection is gone; the marker is only a few bytes under this client's own topic.
  }
}
