import * as z from 'zod';
import { affinitySchema, tolerationsSchema } from './manifest-scheduling.js';
import { daemonSetUpdateStrategySchema } from './manifest-daemonset.js';
import { containerSchema, volumeSchema } from './manifest-container.js';
import {
  checkProgressDeadline,
  deploymentStrategySchema,
  minReadySecondsSchema,
  progressDeadlineSecondsSchema,
  revisionHistoryLimitSchema,
} from './manifest-deployment.js';
import { labels, subdomainName } from './names.js';

/**
 * The manifest subset Baton accepts: `v1` Pod, `apps/v1` Deployment and DaemonSet, with
 * Kubernetes field names and defaults. Every object is strict: a field Baton does not
 * support is an error naming its path, never silently dropped. The schemas are the
 * types: parsing applies the Kubernetes defaults, so a parsed spec is complete.
 */

// The container's fields live beside this file; everyone imports them from here.
export {
  defaultPullPolicy,
  envFieldPaths,
  hostPathTypes,
  probeKinds,
  pullPolicies,
  type EnvFieldPath,
  type EnvVar,
  type HostPathType,
  type Probe,
  type ProbeKind,
  type PullPolicy,
  type Volume,
  type VolumeMount,
} from './manifest-container.js';
export { intOrPercentValue, type DeploymentStrategy, type IntOrPercent, type RollingUpdate } from './manifest-deployment.js';

export const restartPolicies = ['Always', 'OnFailure', 'Never'] as const;
export type RestartPolicy = (typeof restartPolicies)[number];

export const podSpecSchema = z
  .strictObject({
    containers: z.array(containerSchema).min(1, 'must have at least one container'),
    restartPolicy: z.enum(restartPolicies).default('Always'),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    nodeName: subdomainName.optional(),
    terminationGracePeriodSeconds: z.number().int().min(0, 'must be 0 or more').default(30),
    hostNetwork: z.boolean().optional(),
    volumes: z.array(volumeSchema).optional(),
    tolerations: tolerationsSchema.optional(),
    affinity: affinitySchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.containers.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'name'], message: `duplicate container name "${c.name}"` });
      seen.add(c.name);
    });
    const hostPorts = new Set<string>();
    spec.containers.forEach((c, i) => {
      c.ports?.forEach((p, j) => {
        if (spec.hostNetwork === true && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
          ctx.addIssue({ code: 'custom', path: ['containers', i, 'ports', j, 'hostPort'], message: 'must match `containerPort` when `hostNetwork` is true' });
        }
        if (p.hostPort === undefined) return;
        const key = `${p.protocol}/${p.hostPort}`;
        if (hostPorts.has(key)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'ports', j, 'hostPort'], message: `duplicate hostPort ${p.hostPort}/${p.protocol}` });
        hostPorts.add(key);
      });
    });
    const volumes = new Set<string>();
    spec.volumes?.forEach((v, i) => {
      if (volumes.has(v.name)) ctx.addIssue({ code: 'custom', path: ['volumes', i, 'name'], message: `duplicate volume name "${v.name}"` });
      volumes.add(v.name);
    });
    spec.containers.forEach((c, i) => {
      c.volumeMounts?.forEach((m, j) => {
        if (!volumes.has(m.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'volumeMounts', j, 'name'], message: `no volume named "${m.name}" in \`volumes\`` });
      });
    });
  });

export type PodSpec = z.output<typeof podSpecSchema>;
export type ContainerSpec = PodSpec['containers'][number];

export const objectMetaSchema = z.strictObject({
  name: subdomainName,
  namespace: z.literal('default', 'Baton has only the "default" namespace').default('default'),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type ObjectMeta = z.output<typeof objectMetaSchema>;

const labelSelector = z.strictObject({
  matchLabels: labels.refine((l) => Object.keys(l).length > 0, 'must have at least one label'),
});

export const podTemplate = z.strictObject({
  metadata: z.strictObject({
    labels: labels,
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: podSpecSchema,
});

export type PodTemplate = z.output<typeof podTemplate>;

/**
 * What Kubernetes requires of a controller's template: the selector selects the
 * template's own pods, and the pods restart `Always` (a controller replaces pods; it
 * never leaves one finished).
 */
function checkTemplate(
  spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate },
  ctx: z.RefinementCtx,
): void {
  const template = spec.template.metadata.labels;
  const mismatch = Object.entries(spec.selector.matchLabels).some(([k, v]) => template[k] !== v);
  if (mismatch) {
    ctx.addIssue({ code: 'custom', path: ['template', 'metadata', 'labels'], message: '`selector` does not match template `labels`' });
  }
  const policy = spec.template.spec.restartPolicy;
  if (policy !== 'Always') {
    ctx.addIssue({ code: 'custom', path: ['template', 'spec', 'restartPolicy'], message: `unsupported value "${policy}": must be "Always"` });
  }
}

export const podManifestSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMetaSchema,
  spec: podSpecSchema,
});

/**
 * More replicas than a whole fleet could run is a typo (`100000` for `10`); refusing it
 * keeps one apply from making the coordinator create millions of pods.
 */
export const MAX_REPLICAS = 10_000;

export const deploymentManifestSchema = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMetaSchema,
  spec: z
    .strictObject({
      replicas: z.number().int().min(0, 'must be 0 or more').max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`).default(1),
      selector: labelSelector,
      template: podTemplate,
      strategy: deploymentStrategySchema,
      minReadySeconds: minReadySecondsSchema,
      revisionHistoryLimit: revisionHistoryLimitSchema,
      progressDeadlineSeconds: progressDeadlineSecondsSchema,
    })
    .superRefine(checkTemplate)
    .superRefine(checkProgressDeadline),
});

export const daemonSetManifestSchema = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('DaemonSet'),
  metadata: objectMetaSchema,
  spec: z
    .strictObject({
      selector: labelSelector,
      template: podTemplate,
      updateStrategy: daemonSetUpdateStrategySchema,
    })
    .superRefine(checkTemplate),
});

export type PodManifest = z.output<typeof podManifestSchema>;
export type DeploymentManifest = z.output<typeof deploymentManifestSchema>;
export type DaemonSetManifest = z.output<typeof daemonSetManifestSchema>;
export type Manifest = PodManifest | DeploymentManifest | DaemonSetManifest;
export type ManifestKind = Manifest['kind'];

/** The schema for each supported kind, with the apiVersion it must carry. */
export const manifestKinds = {
  Pod: { apiVersion: 'v1', schema: podManifestSchema },
  Deployment: { apiVersion: 'apps/v1', schema: deploymentManifestSchema },
  DaemonSet: { apiVersion: 'apps/v1', schema: daemonSetManifestSchema },
} as const;

export function isManifestKind(kind: unknown): kind is ManifestKind {
  return typeof kind === 'string' && Object.hasOwn(manifestKinds, kind);
}
