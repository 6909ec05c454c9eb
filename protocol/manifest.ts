import { z } from 'zod';
import { affinitySchema, tolerationsSchema } from './manifest-scheduling.js';
import { envName, labelName, labels, portName, subdomainName } from './names.js';
import { parseCpuMillis, parseMemoryBytes } from './quantity.js';

/**
 * The manifest subset Baton accepts: `v1` Pod, `apps/v1` Deployment and DaemonSet, with
 * Kubernetes field names and defaults. Every object is strict: a field Baton does not
 * support is an error naming its path, never silently dropped. The schemas are the
 * types: parsing applies the Kubernetes defaults, so a parsed spec is complete.
 */

const cpuQuantity = z
  .union([z.string(), z.number()])
  .refine((v) => parseCpuMillis(v) !== undefined, 'must be a CPU quantity such as 500m or 2');

const memoryQuantity = z
  .union([z.string(), z.number()])
  .refine((v) => parseMemoryBytes(v) !== undefined, 'must be a memory quantity such as 128Mi or 1G');

const resourceList = z.strictObject({
  cpu: cpuQuantity.optional(),
  memory: memoryQuantity.optional(),
});

const resources = z
  .strictObject({
    requests: resourceList.optional(),
    limits: resourceList.optional(),
  })
  .superRefine((value, ctx) => {
    for (const resource of ['cpu', 'memory'] as const) {
      const request = value.requests?.[resource];
      const limit = value.limits?.[resource];
      if (request === undefined || limit === undefined) continue;
      const parse = resource === 'cpu' ? parseCpuMillis : parseMemoryBytes;
      if ((parse(request) ?? 0) > (parse(limit) ?? 0)) {
        ctx.addIssue({ code: 'custom', path: ['requests', resource], message: `must be less than or equal to ${resource} limit` });
      }
    }
  });

const port = z.number().int().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535');

const containerPort = z.strictObject({
  name: portName.optional(),
  containerPort: port,
  hostPort: port.optional(),
  hostIP: z.ipv4().optional(),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});

/**
 * The pod fields a container can read into its environment (`valueFrom.fieldRef`); the
 * agent fills them in when it creates the container.
 */
export const envFieldPaths = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'status.hostIP', 'status.podIP'] as const;
export type EnvFieldPath = (typeof envFieldPaths)[number];

const envVar = z
  .strictObject({
    name: envName,
    value: z.string().optional(),
    valueFrom: z
      .strictObject({
        fieldRef: z.strictObject({
          apiVersion: z.literal('v1').optional(),
          fieldPath: z.enum(envFieldPaths),
        }),
      })
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.value !== undefined && e.value !== '' && e.valueFrom !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: 'may not be specified when `value` is not empty' });
    }
  })
  // An env var without valueFrom keeps its old shape ({name, value}), so the hash of a container spec written before valueFrom existed stays the same.
  .transform((e) => (e.valueFrom !== undefined ? { name: e.name, valueFrom: e.valueFrom } : { name: e.name, value: e.value ?? '' }));

export type EnvVar = z.output<typeof envVar>;

/** A port given by number or by the name of one of the container's ports. */
const portRef = z.union([port, portName]);

const probeSchema = z
  .strictObject({
    exec: z.strictObject({ command: z.array(z.string()).min(1, 'must have at least one element') }).optional(),
    httpGet: z
      .strictObject({
        path: z.string().startsWith('/', 'must start with "/"').default('/'),
        port: portRef,
        host: z.string().min(1).optional(),
        scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
        httpHeaders: z.array(z.strictObject({ name: z.string().min(1, 'required'), value: z.string() })).optional(),
      })
      .optional(),
    tcpSocket: z.strictObject({ port: portRef, host: z.string().min(1).optional() }).optional(),
    initialDelaySeconds: z.number().int().min(0, 'must be 0 or more').default(0),
    periodSeconds: z.number().int().min(1, 'must be 1 or more').default(10),
    timeoutSeconds: z.number().int().min(1, 'must be 1 or more').default(1),
    successThreshold: z.number().int().min(1, 'must be 1 or more').default(1),
    failureThreshold: z.number().int().min(1, 'must be 1 or more').default(3),
  })
  .superRefine((p, ctx) => {
    const handlers = [p.exec, p.httpGet, p.tcpSocket].filter((h) => h !== undefined).length;
    if (handlers !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'must specify exactly one of `exec`, `httpGet`, `tcpSocket`' });
  });

export type Probe = z.output<typeof probeSchema>;
export const probeKinds = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;
export type ProbeKind = (typeof probeKinds)[number];

const volumeMount = z.strictObject({
  name: labelName,
  mountPath: z.string().startsWith('/', 'must be an absolute path'),
  readOnly: z.boolean().default(false),
});

export type VolumeMount = z.output<typeof volumeMount>;

const securityContext = z.strictObject({
  privileged: z.boolean().optional(),
});

export const pullPolicies = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof pullPolicies)[number];

/** Kubernetes' default: `Always` for `:latest` or an untagged image, `IfNotPresent` otherwise. */
export function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

const container = z
  .strictObject({
    name: labelName,
    image: z.string().trim().min(1, 'required').regex(/^\S+$/, 'must not contain spaces'),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workingDir: z.string().startsWith('/', 'must be an absolute path').optional(),
    env: z.array(envVar).optional(),
    ports: z.array(containerPort).optional(),
    resources: resources.optional(),
    imagePullPolicy: z.enum(pullPolicies).optional(),
    volumeMounts: z.array(volumeMount).optional(),
    livenessProbe: probeSchema.optional(),
    readinessProbe: probeSchema.optional(),
    startupProbe: probeSchema.optional(),
    securityContext: securityContext.optional(),
  })
  .superRefine((c, ctx) => {
    const portNames = new Set((c.ports ?? []).flatMap((p) => (p.name !== undefined ? [p.name] : [])));
    for (const kind of probeKinds) {
      const probe = c[kind];
      if (probe === undefined) continue;
      // Kubernetes: only readiness may ask for more than one success in a row.
      if (kind !== 'readinessProbe' && probe.successThreshold !== 1) {
        ctx.addIssue({ code: 'custom', path: [kind, 'successThreshold'], message: 'must be 1' });
      }
      const handler = probe.httpGet ?? probe.tcpSocket;
      if (handler !== undefined && typeof handler.port === 'string' && !portNames.has(handler.port)) {
        const field = probe.httpGet ? 'httpGet' : 'tcpSocket';
        ctx.addIssue({ code: 'custom', path: [kind, field, 'port'], message: `no container port named "${handler.port}"` });
      }
    }
    const paths = new Set<string>();
    c.volumeMounts?.forEach((m, i) => {
      if (paths.has(m.mountPath)) ctx.addIssue({ code: 'custom', path: ['volumeMounts', i, 'mountPath'], message: `duplicate mountPath "${m.mountPath}"` });
      paths.add(m.mountPath);
    });
  })
  .transform((c) => ({ ...c, imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image) }));

export const hostPathTypes = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;
export type HostPathType = (typeof hostPathTypes)[number];

const volume = z
  .strictObject({
    name: labelName,
    emptyDir: z
      .strictObject({
        medium: z.enum(['', 'Memory']).default(''),
        sizeLimit: memoryQuantity.optional(),
      })
      .optional(),
    hostPath: z
      .strictObject({
        path: z.string().startsWith('/', 'must be an absolute path'),
        type: z.enum(hostPathTypes).default(''),
      })
      .optional(),
  })
  .superRefine((v, ctx) => {
    const sources = [v.emptyDir, v.hostPath].filter((s) => s !== undefined).length;
    if (sources !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'must specify exactly one of `emptyDir`, `hostPath`' });
    // Docker cannot cap a directory on the node's disk; refused rather than ignored.
    if (v.emptyDir?.sizeLimit !== undefined && v.emptyDir.medium !== 'Memory') {
      ctx.addIssue({ code: 'custom', path: ['emptyDir', 'sizeLimit'], message: 'only supported with `medium: Memory` (Baton cannot limit an emptyDir on disk)' });
    }
  });

export type Volume = z.output<typeof volume>;

export const restartPolicies = ['Always', 'OnFailure', 'Never'] as const;
export type RestartPolicy = (typeof restartPolicies)[number];

export const podSpecSchema = z
  .strictObject({
    containers: z.array(container).min(1, 'must have at least one container'),
    restartPolicy: z.enum(restartPolicies).default('Always'),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    nodeName: subdomainName.optional(),
    terminationGracePeriodSeconds: z.number().int().min(0, 'must be 0 or more').default(30),
    hostNetwork: z.boolean().optional(),
    volumes: z.array(volume).optional(),
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

const podTemplate = z.strictObject({
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
    })
    .superRefine(checkTemplate),
});

export const daemonSetManifestSchema = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('DaemonSet'),
  metadata: objectMetaSchema,
  spec: z
    .strictObject({
      selector: labelSelector,
      template: podTemplate,
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
