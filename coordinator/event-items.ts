import type { EventItem } from '../protocol/requests.js';
import type { RecordedEvent } from './events.js';

/**
 * Recorded events as Kubernetes `v1` Events, the items of `list events`. Like the
 * kubelet's, they live in the `default` namespace, pods' and nodes' alike, and come
 * from `baton-agent` on their node.
 */

export const EVENT_SOURCE_COMPONENT = 'baton-agent';

/**
 * `<object>.<hex>`, as Kubernetes names events: the hex is the time the coordinator first
 * received it in nanoseconds, plus a per-entry part so two events in one millisecond
 * still get different names.
 */
export function eventName(event: RecordedEvent): string {
  const nanos = BigInt(Math.max(0, Math.trunc(event.createdMs))) * 1_000_000n + BigInt(event.seq % 1_000_000);
  return `${event.involved.name}.${nanos.toString(16)}`;
}

export function eventItem(event: RecordedEvent): EventItem {
  const { involved } = event;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: eventName(event),
      namespace: 'default',
      uid: event.uid,
      creationTimestamp: new Date(event.createdMs).toISOString(),
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: involved.kind,
      name: involved.name,
      ...(involved.kind === 'Pod' ? { namespace: 'default' } : {}),
      ...(involved.kind === 'Pod' && involved.uid !== undefined ? { uid: involved.uid } : {}),
      ...(event.container !== undefined ? { fieldPath: `spec.containers{${event.container}}` } : {}),
    },
    reason: event.reason,
    message: event.message,
    type: event.type,
    count: event.count,
    firstTimestamp: event.firstTimestamp,
    lastTimestamp: event.lastTimestamp,
    source: { component: EVENT_SOURCE_COMPONENT, host: event.node },
  };
}

/** Oldest last first, as `kubectl events` orders them; ties by name. */
export function compareEventItems(a: EventItem, b: EventItem): number {
  const ta = Date.parse(a.lastTimestamp);
  const tb = Date.parse(b.lastTimestamp);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
