import { decodeRequestPayload } from '../protocol/decoders.js';
import { payloadLimits } from '../protocol/limits.js';
import type { ErrorCode, Reply, Request } from '../protocol/requests.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { applyObjects } from './apply.js';
import { cordonNode } from './cordon.js';
import { deleteObject } from './delete.js';
import { drainNode } from './drain.js';
import { listItems, type ListContext } from './list-items.js';
import { rollout } from './rollout.js';
import { scaleDeployment } from './scale.js';
import type { CoordinatorState, Entropy } from './state.js';

/**
 * Requests to the coordinator (apply, delete, list, cordon, drain), pure: a request and the current
 * state in, a reply and possibly a new state out. The shell persists the new state
 * before it sends the reply.
 */

export type Decision = { reply: Reply; state?: CoordinatorState };

export type DecodedRequest =
  | { ok: true; request: Request }
  /** `replyTo`/`id` are set when the payload named a topic a BadRequest can go to. */
  | { ok: false; reason: string; replyTo?: string; id?: string };

/** A topic a reply may be published to: not empty, not too long, no wildcards. */
export function isUsableReplyTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length > 0 && topic.length <= 512 && !/[+#\u0000]/.test(topic);
}

export function decodeRequest(payload: Buffer): DecodedRequest {
  const decoded = decodeRequestPayload(payload);
  if (decoded.ok) {
    if (!isUsableReplyTopic(decoded.value.replyTo)) return { ok: false, reason: 'replyTo: must be a topic without wildcards' };
    return { ok: true, request: decoded.value };
  }
  // An oversized payload is not parsed at all, not even for its reply topic.
  if (payload.length > payloadLimits.request) return { ok: false, reason: decoded.reason };
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: decoded.reason };
  }
  const { replyTo, id } = typeof raw === 'object' && raw !== null ? (raw as { replyTo?: unknown; id?: unknown }) : {};
  if (!isUsableReplyTopic(replyTo)) return { ok: false, reason: decoded.reason };
  return { ok: false, reason: decoded.reason, replyTo, id: typeof id === 'string' ? id : '' };
}

export function errorReply(id: string, code: ErrorCode, message: string, details?: string[]): Reply {
  return { protocol: PROTOCOL_VERSION, id, ok: false, error: { code, message, ...(details ? { details } : {}) } };
}

function okReply(id: string, result: unknown): Reply {
  return { protocol: PROTOCOL_VERSION, id, ok: true, result };
}

const singular = { pods: 'Pod', deployments: 'Deployment', daemonsets: 'DaemonSet', nodes: 'Node', events: 'Event' } as const;

export function handleRequest(request: Request, context: ListContext, entropy: Entropy): Decision {
  switch (request.op) {
    case 'apply': {
      const outcome = applyObjects(context.state, request.objects, entropy);
      if (!outcome.ok) return { reply: errorReply(request.id, 'Invalid', outcome.message, outcome.details) };
      return { reply: okReply(request.id, outcome.result), state: outcome.state };
    }
    case 'delete': {
      const outcome = deleteObject(context.state, request.kind, request.name);
      if (!outcome.ok) return { reply: errorReply(request.id, 'NotFound', outcome.message) };
      return { reply: okReply(request.id, outcome.result), state: outcome.state };
    }
    case 'list': {
      const items = listItems(request.kind, request.name, context, request.involvedObject);
      if (request.name !== undefined && items.length === 0) {
        return { reply: errorReply(request.id, 'NotFound', `${singular[request.kind]} "${request.name}" not found`) };
      }
      return { reply: okReply(request.id, { items }) };
    }
    case 'cordon': {
      const outcome = cordonNode(context.state, context.observed, request.node, request.unschedulable, entropy);
      if (!outcome.ok) return { reply: errorReply(request.id, 'NotFound', outcome.message) };
      return { reply: okReply(request.id, outcome.result), ...(outcome.state ? { state: outcome.state } : {}) };
    }
    case 'drain': {
      const outcome = drainNode(context.state, context.observed, request.node, request.force === true, entropy);
      if (!outcome.ok) return { reply: errorReply(request.id, outcome.code, outcome.message) };
      return { reply: okReply(request.id, outcome.result), state: outcome.state };
    }
    case 'scale': {
      const outcome = scaleDeployment(context.state, request.name, request.replicas);
      if (!outcome.ok) return { reply: errorReply(request.id, outcome.code, outcome.message) };
      return { reply: okReply(request.id, outcome.result), ...(outcome.state ? { state: outcome.state } : {}) };
    }
    case 'rollout': {
      const outcome = rollout(context.state, request, entropy.now());
      if (!outcome.ok) return { reply: errorReply(request.id, outcome.code, outcome.message) };
      return { reply: okReply(request.id, outcome.result), ...(outcome.state ? { state: outcome.state } : {}) };
    }
    case 'token':
    case 'removeNode':
      // Answered by the coordinator's shell, over the auth store (token-requests.ts).
      return { reply: errorReply(request.id, 'Internal', `${request.op} is not answered from the state alone`) };
    default: {
      const never: never = request;
      throw new Error(`unexpected request ${JSON.stringify(never)}`);
    }
  }
}
