import type { EventItem, ListItem } from '../../protocol/requests.js';

/** Builders for the describe printers' unit tests: plain data as the coordinator sends it. */

export function eventItem(partial: Partial<EventItem> & { reason: string }): EventItem {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `web.${partial.reason}`, namespace: 'default', uid: `uid-${partial.reason}`, creationTimestamp: '2026-11-24T10:00:00Z' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'default', uid: 'uid-web' },
    message: `${partial.reason} happened`,
    type: 'Normal',
    count: 1,
    firstTimestamp: '2026-11-24T10:09:00Z',
    lastTimestamp: '2026-11-24T10:09:00Z',
    source: { component: 'baton-agent', host: 'pi-1' },
    ...partial,
  };
}

/** A pod item with the given spec and status; metadata like the coordinator's. */
export function podItem(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>, metadata: Partial<ListItem['metadata']> = {}): ListItem {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-11-24T10:00:00Z', ...metadata },
    spec,
    ...(status !== undefined ? { status } : {}),
  };
}
