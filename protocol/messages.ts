import { z } from 'zod';
import { podSpecSchema } from './manifest.js';
import { taintSchema } from './manifest-scheduling.js';
import { labels, subdomainName } from './names.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Every payload on the wire, as schemas (the types are inferred from them). Payloads
 * are JSON. Readers strip fields they do not know, so a newer peer can add fields;
 * pod specs inside a desired state stay strict, because running a pod without a field
 * it asked for would be wrong.
 */

const timestamp = z.string(); // RFC 3339, as Kubernetes writes times
const conditionStatus = z.enum(['True', 'False', 'Unknown']);

export const conditionSchema = z.object({
  type: z.string(),
  status: conditionStatus,
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: timestamp.optional(),
});
export type Condition = z.output<typeof conditionSchema>;

/** Kubernetes-style resource amounts as quantity strings: `{ cpu: "4", memory: "3882Mi", pods: "110" }`. */
const resourceAmounts = z.object({ cpu: z.string(), memory: z.string(), pods: z.string() });
export type ResourceAmounts = z.output<typeof resourceAmounts>;

// ---- baton/v1/nodes/<node>/status (retained; the last will says offline) ----

export const nodeInfoSchema = z.object({
  architecture: z.string(), // kubernetes.io/arch spelling: arm64, arm, amd64
  operatingSystem: z.string(), // linux
  osImage: z.string(),
  kernelVersion: z.string(),
  piModel: z.string().optional(),
  cpus: z.number().int(),
  memoryBytes: z.number(),
  temperatureCelsius: z.number().optional(),
  containerRuntimeVersion: z.string(),
  agentVersion: z.string(),
});
export type NodeInfo = z.output<typeof nodeInfoSchema>;

export const nodeStatusSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  node: subdomainName,
  state: z.enum(['online', 'offline']),
  /** Why the node is offline: `ConnectionLost` (last will) or `AgentStopped`. */
  reason: z.string().optional(),
  time: timestamp.optional(),
  /** When this agent started; `baton get nodes` shows it as the node's AGE. */
  startedAt: timestamp.optional(),
  info: nodeInfoSchema.optional(),
  labels: labels.optional(),
  /** From the agent's `--taint` flags; pods that do not tolerate a NoSchedule or NoExecute taint are not placed here. */
  taints: z.array(taintSchema).optional(),
  capacity: resourceAmounts.optional(),
  allocatable: resourceAmounts.optional(),
  conditions: z.array(conditionSchema).optional(),
  usage: z.object({ cpuPercent: z.number(), memoryBytes: z.number() }).optional(),
  /** The newest desired generation this node has applied. */
  observedGeneration: z.number().int().optional(),
  /** Number of pods in the desired state this node is running from. */
  pods: z.number().int().optional(),
});
export type NodeStatus = z.output<typeof nodeStatusSchema>;

// ---- baton/v1/nodes/<node>/desired (retained, written only by the coordinator) ----

export const ownerReferenceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
});
export type OwnerReference = z.output<typeof ownerReferenceSchema>;

export const desiredPodSchema = z.object({
  name: subdomainName,
  uid: z.string().min(1),
  labels: labels.optional(),
  owner: ownerReferenceSchema.optional(),
  spec: podSpecSchema,
});
export type DesiredPod = z.output<typeof desiredPodSchema>;

export const nodeDesiredSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  node: subdomainName,
  /**
   * Grows each time this node's pod set changes (by one, or past the node's reported
   * observedGeneration after the coordinator lost its store); never goes back. Agents
   * ignore anything not newer than what they hold.
   */
  generation: z.number().int().min(0),
  pods: z.array(desiredPodSchema),
});
export type NodeDesired = z.output<typeof nodeDesiredSchema>;

// ---- baton/v1/nodes/<node>/pods/<pod> (retained; empty payload = pod gone) ----

const containerStateSchema = z.object({
  waiting: z.object({ reason: z.string(), message: z.string().optional() }).optional(),
  running: z.object({ startedAt: timestamp }).optional(),
  terminated: z
    .object({
      exitCode: z.number().int(),
      reason: z.string(),
      message: z.string().optional(),
      signal: z.number().int().optional(),
      startedAt: timestamp.optional(),
      finishedAt: timestamp.optional(),
    })
    .optional(),
});
export type ContainerState = z.output<typeof containerStateSchema>;

export const containerStatusSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  started: z.boolean().optional(),
  restartCount: z.number().int(),
  image: z.string(),
  imageID: z.string().optional(),
  containerID: z.string().optional(),
  state: containerStateSchema,
  lastState: containerStateSchema.optional(),
});
export type ContainerStatus = z.output<typeof containerStatusSchema>;

export const podPhases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export type PodPhase = (typeof podPhases)[number];

export const podStatusSchema = z.object({
  phase: z.enum(podPhases),
  conditions: z.array(conditionSchema),
  containerStatuses: z.array(containerStatusSchema),
  reason: z.string().optional(),
  message: z.string().optional(),
  hostIP: z.string().optional(),
  podIP: z.string().optional(),
  startTime: timestamp.optional(),
});
export type PodStatus = z.output<typeof podStatusSchema>;

export const podStatusReportSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  node: subdomainName,
  name: subdomainName,
  uid: z.string(),
  /** The desired generation this report was made against. */
  observedGeneration: z.number().int(),
  status: podStatusSchema,
});
export type PodStatusReport = z.output<typeof podStatusReportSchema>;

// ---- baton/v1/nodes/<node>/events (not retained) ----

export const nodeEventSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  node: subdomainName,
  time: timestamp,
  type: z.enum(['Normal', 'Warning']),
  /** Kubernetes event reasons: Pulling, Pulled, Failed, Created, Started, Killing, Unhealthy, BackOff, ... */
  reason: z.string(),
  message: z.string(),
  pod: z.string().optional(),
  container: z.string().optional(),
});
export type NodeEvent = z.output<typeof nodeEventSchema>;

// ---- baton/v1/coordinator/status (retained; the last will says offline) ----

export const coordinatorStatusSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  state: z.enum(['online', 'offline']),
  version: z.string().optional(),
  startedAt: timestamp.optional(),
});
export type CoordinatorStatus = z.output<typeof coordinatorStatusSchema>;

// ---- requests to the coordinator and their replies ----

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
  z.object({ ...requestBase, op: z.literal('apply'), objects: z.array(z.unknown()).min(1) }),
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
