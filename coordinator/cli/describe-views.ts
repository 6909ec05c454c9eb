import * as z from 'zod';
import { podStatusSchema, type PodStatus } from '../../protocol/messages.js';
import { type ListItem } from '../../protocol/requests.js';
import { validate } from '../../protocol/validation.js';

/**
 * What `baton describe pod` reads out of a pod item. Lenient on purpose, like views.ts:
 * a field it cannot read is left out of the description, never a reason to fail, and a
 * newer coordinator's extra fields are ignored. Probe fields default as Kubernetes does.
 */

const text = z.string().optional().catch(undefined);
const quantity = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .optional()
  .catch(undefined);
const amounts = z.object({ cpu: quantity, memory: quantity }).optional().catch(undefined);
const portRef = z.union([z.number(), z.string()]).transform((v) => String(v));

const probeView = z
  .object({
    exec: z.object({ command: z.array(z.string()) }).optional(),
    httpGet: z.object({ path: z.string().default('/'), port: portRef, host: text, scheme: z.string().default('HTTP') }).optional(),
    tcpSocket: z.object({ port: portRef, host: text }).optional(),
    initialDelaySeconds: z.number().default(0),
    timeoutSeconds: z.number().default(1),
    periodSeconds: z.number().default(10),
    successThreshold: z.number().default(1),
    failureThreshold: z.number().default(3),
  })
  .optional()
  .catch(undefined);
export type ProbeView = NonNullable<z.output<typeof probeView>>;

const envView = z.object({
  name: z.string(),
  value: text,
  valueFrom: z
    .object({ fieldRef: z.object({ apiVersion: text, fieldPath: z.string() }).optional() })
    .optional()
    .catch(undefined),
});
export type EnvView = z.output<typeof envView>;

const containerView = z.object({
  name: z.string(),
  image: z.string().catch(''),
  command: z.array(z.string()).optional().catch(undefined),
  args: z.array(z.string()).optional().catch(undefined),
  ports: z
    .array(z.object({ name: text, containerPort: z.number(), hostPort: z.number().optional().catch(undefined), protocol: z.string().default('TCP') }))
    .catch([]),
  env: z.array(envView).catch([]),
  resources: z.object({ requests: amounts, limits: amounts }).catch({}),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().default(false) })).catch([]),
  livenessProbe: probeView,
  readinessProbe: probeView,
  startupProbe: probeView,
});
export type ContainerView = z.output<typeof containerView>;

const volumeView = z.object({
  name: z.string(),
  emptyDir: z.object({ medium: z.string().default(''), sizeLimit: quantity }).optional().catch(undefined),
  hostPath: z.object({ path: z.string(), type: z.string().default('') }).optional().catch(undefined),
});
export type VolumeView = z.output<typeof volumeView>;

const podSpecView = z.object({
  containers: z.array(containerView).catch([]),
  nodeName: text,
  nodeSelector: z.record(z.string(), z.string()).optional().catch(undefined),
  volumes: z.array(volumeView).catch([]),
});
export type DescribedPodSpec = z.output<typeof podSpecView>;

export interface DescribedPod {
  metadata: ListItem['metadata'];
  spec: DescribedPodSpec;
  status: PodStatus;
}

const unknownStatus: PodStatus = { phase: 'Unknown', conditions: [], containerStatuses: [] };

export function viewDescribedPod(item: ListItem): DescribedPod {
  const spec = validate(podSpecView, item.spec);
  const status = validate(podStatusSchema, item.status);
  return {
    metadata: item.metadata,
    spec: spec.ok ? spec.value : { containers: [], volumes: [] },
    status: status.ok ? status.value : unknownStatus,
  };
}
