import type { NodeEvent } from '../protocol/messages.js';

/**
 * The coordinator's memory of recent node events, for `baton get events` and
 * `baton describe`. Agents publish events and forget them; the broker does not retain
 * them, so this is the only place they are kept, and only in memory: never on disk,
 * which on a Pi is an SD card. Pure: every method is given the time.
 *
 * As Kubernetes does, repeats of one event (same node, involved object, container,
 * type, reason and message) are one entry with a count, its first time kept and its
 * last time moved on. An entry not seen again for `maxAgeMs` is dropped, and past
 * `maxEvents` entries the one seen longest ago goes first.
 */

export type EventType = NodeEvent['type'];

/** The object an event is about: a pod (with the uid it had, if known) or the node itself. */
export type InvolvedObject = { kind: 'Pod'; name: string; uid?: string } | { kind: 'Node'; name: string };

export interface RecordedEvent {
  /** Stable for the life of the entry. */
  readonly uid: string;
  /** Counts entries as they are created: tells two created in one millisecond apart. */
  readonly seq: number;
  readonly node: string;
  readonly involved: InvolvedObject;
  readonly container?: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** As the agent reported them (its clock), RFC 3339. */
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  /** The coordinator's clock, ms: when it first and last received this event. */
  readonly createdMs: number;
  readonly lastSeenMs: number;
}

export interface EventLimits {
  /** Entries kept at most; the one seen longest ago is dropped first. */
  maxEvents: number;
  /** An entry not seen again for this long is dropped. */
  maxAgeMs: number;
}

/** Kubernetes keeps events for an hour; a small fleet rarely has a thousand distinct ones in that time. */
export const DEFAULT_EVENT_LIMITS: EventLimits = { maxEvents: 1000, maxAgeMs: 60 * 60 * 1000 };

/** Which events to list: those about one object (and, for a pod, not about another pod of the same name). */
export type EventFilter = { kind: 'Pod' | 'Node'; name: string; uid?: string };

/** The object a node event is about: its pod if it names one, else the node. */
export function involvedObjectOf(event: NodeEvent, podUid: string | undefined): InvolvedObject {
  if (event.pod === undefined || event.pod === '') return { kind: 'Node', name: event.node };
  return { kind: 'Pod', name: event.pod, ...(podUid !== undefined ? { uid: podUid } : {}) };
}

/** What makes two events repeats of one another. */
export function aggregationKey(node: string, involved: InvolvedObject, event: Pick<NodeEvent, 'container' | 'type' | 'reason' | 'message'>): string {
  const uid = involved.kind === 'Pod' ? (involved.uid ?? '') : '';
  return JSON.stringify([node, involved.kind, involved.name, uid, event.container ?? '', event.type, event.reason, event.message]);
}

/** True if `event` is about the object `filter` names. An event whose pod uid is unknown matches any uid. */
export function matchesFilter(event: RecordedEvent, filter: EventFilter): boolean {
  const { involved } = event;
  if (involved.kind !== filter.kind || involved.name !== filter.name) return false;
  if (filter.uid === undefined || involved.kind !== 'Pod' || involved.uid === undefined) return true;
  return involved.uid === filter.uid;
}

/** The earlier (`pick < 0`) or later of two RFC 3339 times; a time that does not parse loses. */
function pickTime(a: string, b: string, pick: (diff: number) => boolean): string {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return b;
  return pick(tb - ta) ? b : a;
}

export class EventStore {
  /** Key -> entry, in the order last seen (a Map keeps insertion order; a repeat is re-inserted). */
  private readonly entries = new Map<string, RecordedEvent>();
  private created = 0;

  constructor(
    private readonly limits: EventLimits,
    private readonly newUid: () => string,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records one event received at `nowMs` (the coordinator's clock). `podUid` is the uid
   * of the pod the event names, if the coordinator knows it. Returns the entry as stored.
   */
  record(event: NodeEvent, podUid: string | undefined, nowMs: number): RecordedEvent {
    this.expire(nowMs);
    const involved = involvedObjectOf(event, podUid);
    const key = aggregationKey(event.node, involved, event);
    // A Pi without a real-time clock may report nonsense; the receipt time stands in.
    const time = Number.isNaN(Date.parse(event.time)) ? new Date(nowMs).toISOString() : event.time;
    const before = this.entries.get(key);
    let entry: RecordedEvent;
    if (before !== undefined) {
      this.entries.delete(key);
      entry = {
        ...before,
        count: before.count + 1,
        firstTimestamp: pickTime(before.firstTimestamp, time, (d) => d < 0),
        lastTimestamp: pickTime(before.lastTimestamp, time, (d) => d > 0),
        lastSeenMs: nowMs,
      };
    } else {
      entry = {
        uid: this.newUid(),
        seq: ++this.created,
        node: event.node,
        involved,
        ...(event.container !== undefined && event.container !== '' ? { container: event.container } : {}),
        type: event.type,
        reason: event.reason,
        message: event.message,
        count: 1,
        firstTimestamp: time,
        lastTimestamp: time,
        createdMs: nowMs,
        lastSeenMs: nowMs,
      };
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.limits.maxEvents) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return entry;
  }

  /** The entries still current at `nowMs`, oldest seen first; only those matching `filter` if given. */
  list(nowMs: number, filter?: EventFilter): RecordedEvent[] {
    this.expire(nowMs);
    const all = [...this.entries.values()];
    return filter === undefined ? all : all.filter((e) => matchesFilter(e, filter));
  }

  /** Drops every entry last seen more than maxAgeMs before `nowMs`. */
  private expire(nowMs: number): void {
    const cutoff = nowMs - this.limits.maxAgeMs;
    // Entries are in the order last seen, so the expired ones are at the front; a
    // clock that stepped back only keeps an entry a little longer.
    for (const [key, entry] of this.entries) {
      if (entry.lastSeenMs >= cutoff) break;
      this.entries.delete(key);
    }
  }
}
