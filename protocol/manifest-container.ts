import * as z from 'zod';
import { envName, labelName, portName } from './names.js';
import { parseCpuMillis, parseMemoryBytes } from './quantity.js';

/**
 * The container and volume parts of the manifest subset (see manifest.ts): strict, with
 * Kubernetes' field names and defaults.
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

export const containerSchema = z
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

export const volumeSchema = z
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

export type Volume = z.output<typeof volumeSchema>;
