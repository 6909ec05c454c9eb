import { createHash } from 'node:crypto';
import { contentHash } from '../protocol/canonical-json.js';
import type { ContainerSpec, EnvVar, HostPathType, PodSpec } from '../protocol/manifest.js';
import type { ContainerState, DesiredPod } from '../protocol/messages.js';
import { parseCpuMillis, parseMemoryBytes } from '../protocol/quantity.js';
import { containerName, LABELS, SANDBOX_CONTAINER, specHash } from './container-labels.js';
import type { ContainerCreateSpec, Mount, PortMapping } from './runtime/runtime.js';

/** Kubernetes limits a pod's hostname to a DNS label. */
const HOSTNAME_MAX = 63;

/** What a container's creation depends on beyond its pod: the node and the pod's sandbox. */
export interface CreateContext {
  readonly node: string;
  readonly hostIP?: string;
  /** The pod's sandbox, when the pod has one (see needsSandbox). */
  readonly sandbox?: { readonly id: string; readonly ip?: string };
}

/** The instance being created: its place in the container's restart history. */
export interface ContainerInstance {
  readonly restartCount: number;
  readonly lastState?: ContainerState;
  /** The wait its restart will owe when it exits (see restart-policy.ts). */
  readonly backoffMs?: number;
}

/** A hostPath volume mount; the agent checks the path on the node, then binds it or maps it as a device. */
export interface HostPathMount {
  readonly path: string;
  readonly type: HostPathType;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface PlannedContainer {
  readonly spec: ContainerCreateSpec;
  readonly hostPaths: readonly HostPathMount[];
}

/**
 * Whether a pod gets a sandbox container to hold its network namespace: when it has
 * several containers (they share localhost, as in Kubernetes) or a container needs the
 * pod IP before it starts. A single container owns its namespace itself, which saves a
 * container (and its shim's memory) per pod; with hostNetwork there is nothing to hold.
 */
export function needsSandbox(spec: PodSpec): boolean {
  // A memory emptyDir lives only while a container mounts it: the sandbox holds it
  // across restarts of the pod's containers, whatever the network.
  if (spec.volumes?.some((v) => v.emptyDir?.medium === 'Memory')) return true;
  if (spec.hostNetwork === true) return false;
  const usesPodIP = spec.containers.some((c) => c.env?.some((e) => 'valueFrom' in e && e.valueFrom?.fieldRef.fieldPath === 'status.podIP'));
  return spec.containers.length > 1 || usesPodIP;
}

/** Where the sandbox mounts a pod's memory emptyDirs, to keep them alive. */
const SANDBOX_VOLUMES = '/volumes';

/** The named volume of a pod's emptyDir `volume`, mounted at `target`. */
function emptyDirMount(node: string, pod: DesiredPod, volume: string, target: string, readOnly: boolean): Mount | undefined {
  const source = (pod.spec.volumes ?? []).find((v) => v.name === volume)?.emptyDir;
  if (source === undefined) return undefined;
  const size = source.sizeLimit !== undefined ? parseMemoryBytes(source.sizeLimit) : undefined;
  return {
    type: 'volume',
    name: emptyDirVolumeName(node, pod.uid, volume),
    target,
    readOnly,
    labels: { [LABELS.node]: node, [LABELS.pod]: pod.name, [LABELS.podUid]: pod.uid, [LABELS.volume]: volume },
    ...(source.medium === 'Memory' ? { tmpfsBytes: size ?? 0 } : {}),
  };
}

function sandboxMounts(node: string, pod: DesiredPod): Mount[] {
  return (pod.spec.volumes ?? [])
    .filter((v) => v.emptyDir?.medium === 'Memory')
    .flatMap((v) => emptyDirMount(node, pod, v.name, `${SANDBOX_VOLUMES}/${v.name}`, false) ?? []);
}

function podHostname(pod: DesiredPod): string {
  return pod.name.split('.')[0]?.slice(0, HOSTNAME_MAX) ?? pod.name;
}

function portMappings(spec: ContainerSpec): PortMapping[] {
  return (spec.ports ?? []).map((p) => ({
    containerPort: p.containerPort,
    protocol: p.protocol,
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
  }));
}

/** The hash of what a sandbox is made from: a change replaces it (and so every container of the pod). */
export function sandboxHash(pod: DesiredPod): string {
  const memoryVolumes = (pod.spec.volumes ?? []).filter((v) => v.emptyDir?.medium === 'Memory');
  return contentHash({
    hostname: podHostname(pod),
    ports: pod.spec.containers.flatMap(portMappings),
    ...(pod.spec.hostNetwork === true ? { hostNetwork: true } : {}),
    ...(memoryVolumes.length > 0 ? { memoryVolumes } : {}),
  }).slice(0, 16);
}

/** The sandbox of a pod: the pause image, the pod's hostname and every host port of its containers. */
export function sandboxSpec(node: string, pod: DesiredPod, image: string, backoffMs?: number): ContainerCreateSpec {
  const hash = sandboxHash(pod);
  const hostNetwork = pod.spec.hostNetwork === true;
  const mounts = sandboxMounts(node, pod);
  return {
    name: containerName(node, pod.name, SANDBOX_CONTAINER.toLowerCase(), pod.uid, hash, 0),
    image,
    command: ['/pause'],
    labels: {
      [LABELS.node]: node,
      [LABELS.pod]: pod.name,
      [LABELS.podUid]: pod.uid,
      [LABELS.container]: SANDBOX_CONTAINER,
      [LABELS.specHash]: hash,
      [LABELS.role]: 'sandbox',
      // The pause process has nothing to save: it is killed at once.
      [LABELS.gracePeriod]: '0',
      ...(backoffMs !== undefined ? { [LABELS.backoff]: String(backoffMs) } : {}),
    },
    env: [],
    ...(hostNetwork ? {} : { hostname: podHostname(pod) }),
    ports: hostNetwork ? [] : pod.spec.containers.flatMap(portMappings),
    network: hostNetwork ? { mode: 'host' } : { mode: 'bridge' },
    ...(mounts.length > 0 ? { mounts } : {}),
    // The pod's containers join its IPC namespace too, as in Kubernetes.
    shareableIpc: true,
    // The pause process ignores SIGTERM: without this, every stop the engine makes by
    // itself (shutting down, or coming back from a crash without live-restore) would wait
    // its 10 s for the sandbox. Not part of sandboxHash: sandboxes made before keep running.
    stopSignal: 'SIGKILL',
  };
}

/** The engine volume holding a pod's emptyDir; unique per pod uid, so a recreated pod starts empty. */
export function emptyDirVolumeName(node: string, podUid: string, volume: string): string {
  const unique = createHash('sha256').update(podUid).digest('hex').slice(0, 10);
  return `baton_${node}_${unique}_${volume}`;
}

function fieldValue(path: string, pod: DesiredPod, context: CreateContext): string {
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return 'default';
    case 'metadata.uid':
      return pod.uid;
    case 'spec.nodeName':
      return context.node;
    case 'status.hostIP':
      return context.hostIP ?? '';
    case 'status.podIP':
      return pod.spec.hostNetwork === true ? (context.hostIP ?? '') : (context.sandbox?.ip ?? '');
    default:
      return '';
  }
}

function envValue(e: EnvVar, pod: DesiredPod, context: CreateContext): string {
  if ('valueFrom' in e && e.valueFrom !== undefined) return fieldValue(e.valueFrom.fieldRef.fieldPath, pod, context);
  return 'value' in e ? (e.value ?? '') : '';
}

/**
 * Translates one container of a desired pod into what the runtime creates, labels
 * included. Kubernetes semantics: `command` replaces the image's entrypoint, `args` its
 * default arguments; limits become the engine's CPU and memory limits; requests only
 * matter to the scheduler. Pure: the pod's sandbox and the node's address come in.
 */
export function createSpec(context: CreateContext, pod: DesiredPod, spec: ContainerSpec, instance: ContainerInstance): PlannedContainer {
  const { node } = context;
  const hash = specHash(spec, pod.spec);
  const cpuMillis = spec.resources?.limits?.cpu !== undefined ? parseCpuMillis(spec.resources.limits.cpu) : undefined;
  const memoryBytes = spec.resources?.limits?.memory !== undefined ? parseMemoryBytes(spec.resources.limits.memory) : undefined;
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Mount[] = [];
  const hostPaths: HostPathMount[] = [];
  for (const m of spec.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    const emptyDir = emptyDirMount(node, pod, m.name, m.mountPath, m.readOnly);
    if (emptyDir !== undefined) {
      mounts.push(emptyDir);
    } else if (volume?.hostPath !== undefined) {
      hostPaths.push({ path: volume.hostPath.path, type: volume.hostPath.type, target: m.mountPath, readOnly: m.readOnly });
    }
  }
  const sandbox = context.sandbox;
  const network = pod.spec.hostNetwork === true ? ({ mode: 'host' } as const) : sandbox ? ({ mode: 'container', id: sandbox.id } as const) : ({ mode: 'bridge' } as const);
  const create: ContainerCreateSpec = {
    name: containerName(node, pod.name, spec.name, pod.uid, hash, instance.restartCount),
    image: spec.image,
    labels: {
      [LABELS.node]: node,
      [LABELS.pod]: pod.name,
      [LABELS.podUid]: pod.uid,
      [LABELS.container]: spec.name,
      [LABELS.specHash]: hash,
      [LABELS.restartCount]: String(instance.restartCount),
      [LABELS.gracePeriod]: String(pod.spec.terminationGracePeriodSeconds),
      ...(instance.lastState ? { [LABELS.lastState]: JSON.stringify(instance.lastState) } : {}),
      ...(instance.backoffMs !== undefined ? { [LABELS.backoff]: String(instance.backoffMs) } : {}),
      ...(sandbox ? { [LABELS.sandbox]: sandbox.id } : {}),
    },
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    env: (spec.env ?? []).map((e) => ({ name: e.name, value: envValue(e, pod, context) })),
    ...(spec.workingDir !== undefined ? { workingDir: spec.workingDir } : {}),
    // Joined to a sandbox or the host, the container has the namespace owner's hostname and ports.
    ...(network.mode === 'bridge' ? { hostname: podHostname(pod) } : {}),
    ports: network.mode === 'bridge' ? portMappings(spec) : [],
    network,
    ...(sandbox ? { ipcContainerId: sandbox.id } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(spec.securityContext?.privileged === true ? { privileged: true } : {}),
    ...(cpuMillis !== undefined ? { nanoCpus: cpuMillis * 1_000_000 } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  };
  return { spec: create, hostPaths };
}
