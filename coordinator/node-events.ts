import { decodePayload } from '../protocol/codec.js';
import type { Logger } from '../protocol/log.js';
import { nodeEventSchema } from '../protocol/messages.js';
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
 * `describe`; it changes nothing else. A bad one is dropped with a debug line.
 */
export function recordNodeEvent(context: NodeEventContext, node: string, payload: Buffer): void {
  const { events, state, observed, log, nowMs } = context;
  const decoded = decodePayload(nodeEventSchema, payload);
  if (!decoded.ok || decoded.value.node !== node) {
    log.debug({ node, reason: decoded.ok ? 'NodeMismatch' : decoded.reason }, 'dropped a bad event');
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
