import * as z from 'zod';
import { podSpecSchema } from './manifest.js';
import { taintSchema } from './manifest-scheduling.js';
import { labels, subdomainName } from './names.js';
import { nodeAllowsSchema } from './node-allows.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Every payload on the wire, as schemas (the types are inferred from them). Payloads
 * are JSON. Readers strip fields they do not know, so a newer peer can add fields;
 * pod specs inside a desired state stay strict, because running a pod without a field
 * it asked for would be wrong.
 */

/** RFC 3339, as Kubernetes writes times. */
export const timestamp = z.string();
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
  /**
   * What the agent's flags let pods take from the node (privileged containers, the host
   * network, hostPaths, devices); the scheduler places a pod only where it is allowed.
   * Absent (an older agent): nothing beyond plain containers.
   */
  allows: nodeAllowsSchema.optional(),
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
