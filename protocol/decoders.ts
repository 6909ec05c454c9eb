import { decodePayload, type Decoded } from './codec.js';
import { payloadLimits, type PayloadKind } from './limits.js';
import {
  coordinatorStatusSchema,
  nodeDesiredSchema,
  nodeEventSchema,
  nodeStatusSchema,
  podStatusReportSchema,
  type CoordinatorStatus,
  type NodeDesired,
  type NodeEvent,
  type NodeStatus,
  type PodStatusReport,
} from './messages.js';
import { replySchema, requestSchema, type Reply, type Request } from './requests.js';

/**
 * One decoder per kind of message a Baton program reads off the broker, each within
 * its own size limit (limits.ts). None throws; on `ok: false` the reader logs one line
 * with the topic and the reason and drops the message.
 */

type Payload = Buffer | string;

export const decodeNodeDesired = (payload: Payload): Decoded<NodeDesired> => decodePayload(nodeDesiredSchema, payload, payloadLimits.nodeDesired);
export const decodeNodeStatus = (payload: Payload): Decoded<NodeStatus> => decodePayload(nodeStatusSchema, payload, payloadLimits.nodeStatus);
export const decodePodStatus = (payload: Payload): Decoded<PodStatusReport> => decodePayload(podStatusReportSchema, payload, payloadLimits.podStatus);
export const decodeNodeEvent = (payload: Payload): Decoded<NodeEvent> => decodePayload(nodeEventSchema, payload, payloadLimits.nodeEvent);
export const decodeCoordinatorStatus = (payload: Payload): Decoded<CoordinatorStatus> =>
  decodePayload(coordinatorStatusSchema, payload, payloadLimits.coordinatorStatus);
export const decodeRequestPayload = (payload: Payload): Decoded<Request> => decodePayload(requestSchema, payload, payloadLimits.request);
export const decodeReply = (payload: Payload): Decoded<Reply> => decodePayload(replySchema, payload, payloadLimits.reply);

/** Every decoder by kind, for tests that must cover them all. */
export const messageDecoders: Record<PayloadKind, (payload: Payload) => Decoded<unknown>> = {
  nodeDesired: decodeNodeDesired,
  nodeStatus: decodeNodeStatus,
  podStatus: decodePodStatus,
  nodeEvent: decodeNodeEvent,
  coordinatorStatus: decodeCoordinatorStatus,
  request: decodeRequestPayload,
  reply: decodeReply,
};
