import { describe, expect, it } from 'vitest';
import { type NodeEvent } from '../protocol/messages.js';
import { listItemSchema } from '../protocol/requests.js';
import { validate } from '../protocol/validation.js';
import { eventItem, eventName } from './event-items.js';
import { EventStore, matchesFilter, type EventLimits, type RecordedEvent } from './events.js';
import { eventItems } from './list-items.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const MINUTE = 60_000;

function event(partial: Partial<NodeEvent> = {}): NodeEvent {
  return {
    protocol: 'v1',
    node: 'pi-1',
    time: new Date(T0).toISOString(),
    type: 'Normal',
    reason: 'Started',
    message: 'Started container web',
    pod: 'web',
    container: 'web',
    ...partial,
  };
}

function store(limits: Partial<EventLimits> = {}): EventStore {
  let uid = 0;
  return new EventStore({ maxEvents: 1000, maxAgeMs: 60 * MINUTE, ...limits }, () => `uid-${++uid}`);
}

const at = (ms: number): string => new Date(ms).toISOString();

describe('EventStore: aggregation', () => {
  it.each<[string, Partial<NodeEvent>, boolean]>([
    ['the same event again', {}, true],
    ['another message', { message: 'Started container web again' }, false],
    ['another reason', { reason: 'Created' }, false],
    ['another type', { type: 'Warning' }, false],
    ['another container', { container: 'sidecar' }, false],
    ['another pod', { pod: 'db' }, false],
    ['another node', { node: 'pi-2' }, false],
    ['no pod (about the node)', { pod: undefined, container: undefined }, false],
  ])('%s: aggregated = %s', (_what, change, aggregated) => {
    const events = store();
    events.record(event(), 'uid-web', T0);
    events.record(event({ ...change, time: at(T0 + 5000) }), change.pod === undefined && 'pod' in change ? undefined : 'uid-web', T0 + 5000);
    const listed = events.list(T0 + 5000);
    expect(listed).toHaveLength(aggregated ? 1 : 2);
    if (aggregated) expect(listed[0]).toMatchObject({ count: 2, firstTimestamp: at(T0), lastTimestamp: at(T0 + 5000), lastSeenMs: T0 + 5000, createdMs: T0 });
  });

  it('counts repeats, keeps the first time and moves the last one on; the uid stays', () => {
    const events = store();
    const first = events.record(event({ reason: 'BackOff', type: 'Warning', message: 'Back-off restarting failed container web' }), 'u', T0);
    for (let i = 1; i <= 4; i++) events.record(event({ reason: 'BackOff', type: 'Warning', message: 'Back-off restarting failed container web', time: at(T0 + i * 10_000) }), 'u', T0 + i * 10_000);
    expect(events.list(T0 + 40_000)).toEqual([
      expect.objectContaining({ uid: first.uid, seq: 1, count: 5, firstTimestamp: at(T0), lastTimestamp: at(T0 + 40_000) }),
    ]);
  });

  it('keeps the earliest and latest times when repeats arrive out of order', () => {
    const events = store();
    events.record(event({ time: at(T0 + 10_000) }), 'u', T0);
    events.record(event({ time: at(T0) }), 'u', T0 + 1);
    events.record(event({ time: at(T0 + 5000) }), 'u', T0 + 2);
    expect(events.list(T0 + 2)[0]).toMatchObject({ count: 3, firstTimestamp: at(T0), lastTimestamp: at(T0 + 10_000) });
  });

  it('does not aggregate events of two pods of one name with different uids', () => {
    const events = store();
    events.record(event(), 'old-uid', T0);
    events.record(event(), 'new-uid', T0 + 1);
    expect(events.list(T0 + 1).map((e) => [e.involved, e.count])).toEqual([
      [{ kind: 'Pod', name: 'web', uid: 'old-uid' }, 1],
      [{ kind: 'Pod', name: 'web', uid: 'new-uid' }, 1],
    ]);
  });

  it('takes the receipt time when the agent sends a time that does not parse', () => {
    const events = store();
    events.record(event({ time: 'yesterday' }), 'u', T0);
    expect(events.list(T0)[0]).toMatchObject({ firstTimestamp: at(T0), lastTimestamp: at(T0) });
  });

  it('an event without a pod is about the node', () => {
    const events = store();
    events.record(event({ pod: undefined, container: undefined, reason: 'NodeReady', message: 'Node pi-1 status is now: NodeReady' }), undefined, T0);
    expect(events.list(T0)[0]?.involved).toEqual({ kind: 'Node', name: 'pi-1' });
    expect(events.list(T0)[0]?.container).toBeUndefined();
  });
});

describe('EventStore: bounds', () => {
  it('drops an event not seen again for an hour, by the coordinator clock', () => {
    const events = store();
    events.record(event({ reason: 'Pulled' }), 'u', T0);
    events.record(event({ reason: 'Started' }), 'u', T0 + 30 * MINUTE);
    expect(events.list(T0 + 60 * MINUTE).map((e) => e.reason)).toEqual(['Pulled', 'Started']);
    expect(events.list(T0 + 60 * MINUTE + 1).map((e) => e.reason)).toEqual(['Started']);
    expect(events.list(T0 + 91 * MINUTE)).toEqual([]);
    expect(events.size).toBe(0);
  });

  it('a repeat keeps an event alive', () => {
    const events = store();
    events.record(event(), 'u', T0);
    events.record(event(), 'u', T0 + 50 * MINUTE);
    expect(events.list(T0 + 100 * MINUTE)).toEqual([expect.objectContaining({ count: 2 })]);
  });

  it('caps the total: the event seen longest ago goes first', () => {
    const events = store({ maxEvents: 3 });
    events.record(event({ reason: 'A' }), 'u', T0);
    events.record(event({ reason: 'B' }), 'u', T0 + 1);
    events.record(event({ reason: 'C' }), 'u', T0 + 2);
    events.record(event({ reason: 'A' }), 'u', T0 + 3); // A seen again: now the newest
    events.record(event({ reason: 'D' }), 'u', T0 + 4);
    expect(events.list(T0 + 4).map((e) => [e.reason, e.count])).toEqual([['C', 1], ['A', 2], ['D', 1]]);
    expect(events.size).toBe(3);
  });
});

describe('filtering by the involved object', () => {
  const recorded = (involved: RecordedEvent['involved']): RecordedEvent => ({
    uid: 'x', seq: 1, node: 'pi-1', involved, type: 'Normal', reason: 'Started', message: 'm', count: 1,
    firstTimestamp: at(T0), lastTimestamp: at(T0), createdMs: T0, lastSeenMs: T0,
  });

  it.each<[string, RecordedEvent['involved'], Parameters<typeof matchesFilter>[1], boolean]>([
    ['same pod name', { kind: 'Pod', name: 'web', uid: 'u1' }, { kind: 'Pod', name: 'web' }, true],
    ['same pod name and uid', { kind: 'Pod', name: 'web', uid: 'u1' }, { kind: 'Pod', name: 'web', uid: 'u1' }, true],
    ['same name, another uid', { kind: 'Pod', name: 'web', uid: 'u0' }, { kind: 'Pod', name: 'web', uid: 'u1' }, false],
    ['same name, uid unknown', { kind: 'Pod', name: 'web' }, { kind: 'Pod', name: 'web', uid: 'u1' }, true],
    ['another pod', { kind: 'Pod', name: 'db', uid: 'u1' }, { kind: 'Pod', name: 'web' }, false],
    ['a node of the pod\'s name', { kind: 'Node', name: 'web' }, { kind: 'Pod', name: 'web' }, false],
    ['the node', { kind: 'Node', name: 'pi-1' }, { kind: 'Node', name: 'pi-1' }, true],
  ])('%s -> %s', (_what, involved, filter, expected) => {
    expect(matchesFilter(recorded(involved), filter)).toBe(expected);
  });
});

describe('Event items', () => {
  it('are Kubernetes v1 Events that a list item schema still reads', () => {
    const events = store();
    events.record(event({ reason: 'Pulling', message: 'Pulling image "busybox:1"', container: 'web' }), 'uid-web', T0);
    events.record(event({ reason: 'Pulling', message: 'Pulling image "busybox:1"', container: 'web', time: at(T0 + 3000) }), 'uid-web', T0 + 3000);
    const [recorded] = events.list(T0 + 3000);
    const item = eventItem(recorded!);
    expect(item).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `web.${(BigInt(T0) * 1_000_000n + 1n).toString(16)}`, namespace: 'default', uid: 'uid-1', creationTimestamp: at(T0) },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'default', uid: 'uid-web', fieldPath: 'spec.containers{web}' },
      reason: 'Pulling',
      message: 'Pulling image "busybox:1"',
      type: 'Normal',
      count: 2,
      firstTimestamp: at(T0),
      lastTimestamp: at(T0 + 3000),
      source: { component: 'baton-agent', host: 'pi-1' },
    });
    const read = validate(listItemSchema, JSON.parse(JSON.stringify(item)));
    expect(read.ok && read.value).toMatchObject({ kind: 'Event', spec: {}, reason: 'Pulling', count: 2 });
  });

  it('two events first seen in one millisecond get different names', () => {
    const events = store();
    events.record(event({ reason: 'A' }), 'u', T0);
    events.record(event({ reason: 'B' }), 'u', T0);
    const names = events.list(T0).map(eventName);
    expect(new Set(names).size).toBe(2);
  });

  it('list oldest first by last time, by name or by involved object', () => {
    const events = store();
    events.record(event({ reason: 'Started', time: at(T0 + 2000) }), 'u', T0);
    events.record(event({ reason: 'Pulled', time: at(T0 + 1000) }), 'u', T0 + 1);
    events.record(event({ pod: undefined, container: undefined, reason: 'NodeReady', time: at(T0 + 3000) }), undefined, T0 + 2);
    const all = events.list(T0 + 2);
    expect(eventItems(undefined, undefined, all).map((i) => i.reason)).toEqual(['Pulled', 'Started', 'NodeReady']);
    expect(eventItems(undefined, { kind: 'Node', name: 'pi-1' }, all).map((i) => i.reason)).toEqual(['NodeReady']);
    const name = eventName(all[0]!);
    expect(eventItems(name, undefined, all).map((i) => i.reason)).toEqual(['Started']);
  });
});
