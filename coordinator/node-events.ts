import { decodeNodeEvent } from '../protocol/decoders.js';
import type { Logger } from '../protocol/log.js';
import type { EventStore } from './events.js';
import type { ObservedState } from './observed.js';
import type { CoordinatorState } from './state.js';

export interface NodeEventContext {
  events: EventStore;
  state: CoordinatorState;
  observed: ObservedState;
  log: Logger;
  /** Wall-clock ms: events are shown with times. */
  nowMs: number;
}

/**
 * Keeps an event a node published (`nodes/<node>/events`) for `get events` and
 * `describe`; it changes nothing else. A bad one is dropped with a warning naming the topic.
 */
export function recordNodeEvent(context: NodeEventContext, topic: string, node: string, payload: Buffer): void {
  const { events, state, observed, log, nowMs } = context;
  const decoded = decodeNodeEvent(payload);
  if (!decoded.ok || decoded.value.node !== node) {
    log.warn({ node, topic, reason: decoded.ok ? 'NodeMismatch' : decoded.reason }, 'dropped a bad event');
    return;
  }
  const event = decoded.value;
  // The pod the event is about, so a later pod of the same name does not show it: the
  // one bound to this node now, else the one the node last reported under that name
  // (a pod already deleted, still being killed).
  let podUid: string | undefined;
  if (event.pod !== undefined) {
    const stored = state.pods[event.pod];
    podUid = stored?.nodeName === node ? stored.metadata.uid : observed.reportedPodUid(node, event.pod);
  }
  const recorded = events.record(event, podUid, nowMs);
  log.debug({ node, pod: event.pod, container: event.container, reason: event.reason, type: event.type, count: recorded.count }, `event: ${event.message}`);
}
