import type { Session } from './session.js';

/**
 * Reads the retained messages under some topic filters: subscribes, then syncs (see
 * Session.sync), so the snapshot is complete without waiting a fixed time. An empty
 * payload is a cleared message and counts as absent. Returns topic -> payload.
 */
export async function readRetained(session: Session, filters: readonly string[]): Promise<Map<string, Buffer>> {
  const messages = new Map<string, Buffer>();
  for (const filter of filters) {
    await session.link.subscribe(filter, (topic, payload) => {
      if (payload.length === 0) messages.delete(topic);
      else messages.set(topic, payload);
    });
  }
  await session.sync();
  return new Map(messages);
}
