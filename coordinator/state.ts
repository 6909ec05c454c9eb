import * as z from 'zod';
import { daemonSetManifestSchema, deploymentManifestSchema, podSpecSchema, podTemplate } from '../protocol/manifest.js';
import { ownerReferenceSchema } from '../protocol/messages.js';
import { labels, subdomainName } from '../protocol/names.js';

/**
 * The coordinator's whole persistent state: the objects as applied and the pods made
 * from them, plus each node's desired generation. The schemas are the types and also
 * the check the store file passes through when it is loaded.
 */

const annotations = z.record(z.string(), z.string());

/** Metadata the coordinator adds to an applied object. */
const objectMetaSchema = z.object({
  name: subdomainName,
  namespace: z.literal('default'),
  uid: z.string().min(1),
  creationTimestamp: z.string(),
  /** Grows by one each time the spec changes (not for label or annotation changes). */
  generation: z.number().int().min(1),
  labels: labels.optional(),
  annotations: annotations.optional(),
});

/** One kept revision of a Deployment's pod template (see `rollout history`). */
export const storedRevisionSchema = z.object({
  revision: z.number().int().min(1),
  template: podTemplate,
  changeCause: z.string().optional(),
});
export type StoredRevision = z.output<typeof storedRevisionSchema>;

export const storedDeploymentSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMetaSchema,
  spec: deploymentManifestSchema.shape.spec,
  /**
   * The revisions kept, oldest first; the last is the current template. Absent in a
   * store written before rollouts existed: read as revision 1 being the current template.
   */
  revisions: z.array(storedRevisionSchema).optional(),
});
export type StoredDeployment = z.output<typeof storedDeploymentSchema>;

export const storedDaemonSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('DaemonSet'),
  metadata: objectMetaSchema,
  spec: daemonSetManifestSchema.shape.spec,
});
export type StoredDaemonSet = z.output<typeof storedDaemonSetSchema>;

export const storedPodSchema = z.object({
  metadata: z.object({
    name: subdomainName,
    namespace: z.literal('default'),
    uid: z.string().min(1),
    creationTimestamp: z.string(),
    labels: labels.optional(),
    annotations: annotations.optional(),
    ownerReferences: z.array(ownerReferenceSchema).optional(),
  }),
  /** As applied (standalone pods) or copied from the owner's template. */
  spec: podSpecSchema,
  /** The node the pod is bound to; set once, by the scheduler or the DaemonSet controller. */
  nodeName: subdomainName.optional(),
  /**
   * When the control loop gave the pod up on its node (evicted: its Deployment replaced
   * it); cleared when the node is back. Kept in the store so that a restarted coordinator,
   * whose not-Ready clocks start again, does not count the pod again in the meantime.
   */
  evictedAt: z.string().optional(),
});
export type StoredPod = z.output<typeof storedPodSchema>;

export const storedNodeSchema = z.object({
  name: subdomainName,
  uid: z.string().min(1),
  /** When the coordinator first heard of the node. */
  creationTimestamp: z.string(),
  /** The generation of the node's desired state; 0 until the first one is computed. */
  generation: z.number().int().min(0),
  /** contentHash of the pod set that `generation` stands for. */
  podsHash: z.string().optional(),
  /**
   * Cordoned (`baton cordon`): new pods are not scheduled here. Absent means schedulable,
   * so a store written before cordon existed still loads, and uncordon removes the field.
   */
  unschedulable: z.literal(true).optional(),
});
export type StoredNode = z.output<typeof storedNodeSchema>;

export const STORE_FORMAT_VERSION = 1;

/** A table keyed by object name; a key that differs from its object's name is corruption. */
function table<S extends z.ZodType<{ name: string } | { metadata: { name: string } }>>(item: S) {
  return z.record(z.string(), item).superRefine((records, ctx) => {
    for (const [key, value] of Object.entries(records)) {
      const name = 'metadata' in value ? value.metadata.name : value.name;
      if (name !== key) ctx.addIssue({ code: 'custom', path: [key], message: `holds an object named ${JSON.stringify(name)}` });
    }
  });
}

export const coordinatorStateSchema = z.object({
  format: z.literal('baton-coordinator-store'),
  version: z.literal(STORE_FORMAT_VERSION, `unsupported store version: this coordinator reads version ${STORE_FORMAT_VERSION}`),
  deployments: table(storedDeploymentSchema),
  daemonSets: table(storedDaemonSetSchema),
  pods: table(storedPodSchema),
  nodes: table(storedNodeSchema),
});
export type CoordinatorState = z.output<typeof coordinatorStateSchema>;

export function emptyState(): CoordinatorState {
  return { format: 'baton-coordinator-store', version: STORE_FORMAT_VERSION, deployments: {}, daemonSets: {}, pods: {}, nodes: {} };
}

/** Injected sources of time and randomness, so the pure core is deterministic in tests. */
export interface Entropy {
  /** RFC 3339 time. */
  now(): string;
  newUid(): string;
  /** Five characters for generated pod names. */
  nameSuffix(): string;
}
