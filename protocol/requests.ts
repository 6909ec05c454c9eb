import * as z from 'zod';
import { MAX_MANIFEST_OBJECTS } from './limits.js';
import { ownerReferenceSchema, timestamp } from './messages.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Requests to the coordinator and its replies, over `baton/v1/coordinator/requests` and
 * the reply topic each request names. Read like every payload: fields a reader does not
 * know are stripped, so a newer peer can add some.
 */

/** The longest a join token may live: ten years (0 means for ever). */
export const MAX_TOKEN_TTL_SECONDS = 10 * 365 * 24 * 3600;
/** A token's life when `create` names none: a day. */
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;

export const listKinds = ['nodes', 'pods', 'deployments', 'daemonsets', 'events'] as const;
export type ListKind = (typeof listKinds)[number];

const requestBase = {
  protocol: z.literal(PROTOCOL_VERSION),
  /** Chosen by the client; echoed in the reply. */
  id: z.string().min(1).max(128),
  /** The topic the reply is published to (MQTT 3.1.1 has no response topic of its own). */
  replyTo: z.string().min(1).max(512),
};

export const requestSchema = z.discriminatedUnion('op', [
  /** Create or update objects; `objects` are raw manifests, validated by the coordinator. */
  z.object({ ...requestBase, op: z.literal('apply'), objects: z.array(z.unknown()).min(1).max(MAX_MANIFEST_OBJECTS) }),
  z.object({ ...requestBase, op: z.literal('delete'), kind: z.enum(['Pod', 'Deployment', 'DaemonSet']), name: z.string() }),
  z.object({
    ...requestBase,
    op: z.literal('list'),
    kind: z.enum(listKinds),
    /** Only the object of this name (`metadata.name`); NotFound if there is none. */
    name: z.string().optional(),
    /**
     * `events` only: the events about one object, as kubectl's field selector
     * `involvedObject.kind=Pod,involvedObject.name=web` picks them. With `uid`, events
     * recorded for another object of the same name are left out. Other kinds ignore it.
     */
    involvedObject: z.object({ kind: z.enum(['Pod', 'Node']), name: z.string(), uid: z.string().optional() }).optional(),
  }),
  /** `baton cordon`/`uncordon`: mark a node (un)schedulable; new pods stay off a cordoned node, pods already there stay. */
  z.object({ ...requestBase, op: z.literal('cordon'), node: z.string(), unschedulable: z.boolean() }),
  /**
   * `baton drain`: cordon the node and delete its pods that a Deployment owns (they are
   * recreated elsewhere); DaemonSet pods stay. Refused (Invalid, nothing changed) while
   * the node holds pods with no controller, unless `force`, which deletes those too.
   */
  z.object({ ...requestBase, op: z.literal('drain'), node: z.string(), force: z.boolean().optional() }),
  /** `baton scale`: set a Deployment's `spec.replicas` (a spec change: its generation grows). */
  z.object({ ...requestBase, op: z.literal('scale'), kind: z.literal('Deployment'), name: z.string(), replicas: z.number().int().min(0) }),
  /**
   * `baton rollout undo|restart|history`. `undo` puts back the template of revision
   * `toRevision` (default: the one before the current); `restart` stamps the template
   * with a restart time, so every pod is replaced by a rolling update; `history` lists
   * the revisions kept. Deployments only, except `restart`, which DaemonSets take too.
   */
  z.object({
    ...requestBase,
    op: z.literal('rollout'),
    action: z.enum(['undo', 'restart', 'history']),
    kind: z.enum(['Deployment', 'DaemonSet']),
    name: z.string(),
    toRevision: z.number().int().min(0).optional(),
  }),
  /**
   * `baton token create|list|delete`: join tokens (authentication on only). `create`
   * takes `ttlSeconds` (0: never expires; default 24 hours) and a `description`;
   * `delete` takes the token's id as `tokenId`. No reply ever carries a token's secret except the
   * one to `create`.
   */
  z.object({
    ...requestBase,
    op: z.literal('token'),
    action: z.enum(['create', 'list', 'delete']),
    ttlSeconds: z.number().int().min(0).max(MAX_TOKEN_TTL_SECONDS).optional(),
    description: z.string().max(256).optional(),
    tokenId: z.string().max(64).optional(),
  }),
  /**
   * `baton delete node NAME` (authentication on only): the node's credential is deleted,
   * its retained status, desired state and pod statuses cleared, and its pods deleted
   * (their Deployments and DaemonSets replace them as for a node removed from the fleet).
   */
  z.object({ ...requestBase, op: z.literal('removeNode'), node: z.string().max(253) }),
]);
export type Request = z.output<typeof requestSchema>;
export type RequestOp = Request['op'];

export const errorCodes = ['Invalid', 'NotFound', 'BadRequest', 'Internal'] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const replySchema = z.union([
  z.object({ protocol: z.literal(PROTOCOL_VERSION), id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    protocol: z.literal(PROTOCOL_VERSION),
    id: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(errorCodes), message: z.string(), details: z.array(z.string()).optional() }),
  }),
]);
export type Reply = z.output<typeof replySchema>;

/** What `apply` did to each object, in kubectl's words. */
export const applyResultSchema = z.object({
  results: z.array(z.object({ kind: z.string(), name: z.string(), action: z.enum(['created', 'configured', 'unchanged']) })),
});
export type ApplyResult = z.output<typeof applyResultSchema>;

/** What `delete` removed. */
export const deleteResultSchema = z.object({ kind: z.string(), name: z.string() });
export type DeleteResult = z.output<typeof deleteResultSchema>;

/** What `cordon` did: the node's flag now, and whether this request changed it. */
export const cordonResultSchema = z.object({ node: z.string(), unschedulable: z.boolean(), changed: z.boolean() });
export type CordonResult = z.output<typeof cordonResultSchema>;

/** What `drain` did: the pods it deleted (evicted) and those it left (DaemonSet pods), by name. */
export const drainResultSchema = z.object({ node: z.string(), evicted: z.array(z.string()), ignored: z.array(z.string()) });
export type DrainResult = z.output<typeof drainResultSchema>;

/** What `scale` did: the replicas now, and whether this request changed them. */
export const scaleResultSchema = z.object({ kind: z.string(), name: z.string(), replicas: z.number().int(), changed: z.boolean() });
export type ScaleResult = z.output<typeof scaleResultSchema>;

/** One revision of a Deployment's template, as `rollout history` lists it. */
export const revisionSchema = z.object({
  revision: z.number().int().min(1),
  /** The Deployment's `kubernetes.io/change-cause` annotation when this revision was made. */
  changeCause: z.string().optional(),
  /** The pod template of this revision (`rollout history --revision N`). */
  template: z.unknown().optional(),
});
export type Revision = z.output<typeof revisionSchema>;

/**
 * What `rollout` did. `undo`: `revision` is the revision rolled back to, and `changed`
 * is false when the current template already was that one. `restart`: `revision` is the
 * new revision. `history`: `revisions`, oldest first.
 */
export const rolloutResultSchema = z.object({
  kind: z.string(),
  name: z.string(),
  action: z.enum(['undo', 'restart', 'history']),
  changed: z.boolean(),
  revision: z.number().int().optional(),
  revisions: z.array(revisionSchema).optional(),
});
export type RolloutResult = z.output<typeof rolloutResultSchema>;

/** Object metadata as the coordinator reports it. */
export const objectMetadataSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  creationTimestamp: timestamp,
  generation: z.number().int().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
});
export type ObjectMetadata = z.output<typeof objectMetadataSchema>;

/**
 * One item of a `list` reply: a Kubernetes-style object. Fields beyond these are kept
 * (an Event's `involvedObject`, `reason`, ...); a kind without a spec (Event) reads as
 * an empty one.
 */
export const listItemSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetadataSchema,
  spec: z.record(z.string(), z.unknown()).default({}),
  status: z.record(z.string(), z.unknown()).optional(),
});
export type ListItem = z.output<typeof listItemSchema>;

/**
 * An item of `list events`: a Kubernetes `v1` Event, with no spec or status. Repeats of
 * one event (same node, object, container, type, reason and message) are one item with
 * a `count`. Unknown fields are kept, for a newer coordinator.
 */
export const eventItemSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: objectMetadataSchema,
  involvedObject: z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    /** `spec.containers{web}` for an event about one container of a pod. */
    fieldPath: z.string().optional(),
  }),
  reason: z.string(),
  message: z.string(),
  type: z.string(),
  count: z.number().int(),
  firstTimestamp: timestamp,
  lastTimestamp: timestamp,
  /** `baton-agent` and the node that reported it. */
  source: z.object({ component: z.string(), host: z.string().optional() }),
});
export type EventItem = z.output<typeof eventItemSchema>;

export const listResultSchema = z.object({ items: z.array(listItemSchema) });
export type ListResult = z.output<typeof listResultSchema>;

/** The result of `list events`: the same `{items}`, read as Events. */
export const eventListResultSchema = z.object({ items: z.array(eventItemSchema) });

/** A join token as `token list` shows it: never its secret. `expires` null: never. */
export const tokenInfoSchema = z.object({ id: z.string(), description: z.string(), created: timestamp, expires: timestamp.nullable() });
export type TokenInfo = z.output<typeof tokenInfoSchema>;

/** What `token create` made: the whole join token (`bt1.<id>.<secret>.<ca pin>`), shown this once. */
export const tokenCreateResultSchema = tokenInfoSchema.extend({ token: z.string() });
export type TokenCreateResult = z.output<typeof tokenCreateResultSchema>;

export const tokenListResultSchema = z.object({ tokens: z.array(tokenInfoSchema) });
export type TokenListResult = z.output<typeof tokenListResultSchema>;

export const tokenDeleteResultSchema = z.object({ id: z.string() });
export type TokenDeleteResult = z.output<typeof tokenDeleteResultSchema>;

/** What `removeNode` did: whether the node had a credential, and the pods deleted with it. */
export const removeNodeResultSchema = z.object({ node: z.string(), credential: z.boolean(), deletedPods: z.array(z.string()) });
export type RemoveNodeResult = z.output<typeof removeNodeResultSchema>;
