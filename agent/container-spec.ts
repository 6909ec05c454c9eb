import type { ContainerSpec } from '../protocol/manifest.js';
import type { ContainerState, DesiredPod } from '../protocol/messages.js';
import { parseCpuMillis, parseMemoryBytes } from '../protocol/quantity.js';
import { containerName, LABELS, specHash } from './container-labels.js';
import type { ContainerCreateSpec } from './runtime/runtime.js';

/** Kubernetes limits a pod's hostname to a DNS label. */
const HOSTNAME_MAX = 63;

/**
 * Translates one container of a desired pod into what the runtime creates, labels
 * included. Kubernetes semantics: `command` replaces the image's entrypoint, `args` its
 * default arguments; limits become the engine's CPU and memory limits; requests only
 * matter to the scheduler.
 */
export function createSpec(
  node: string,
  pod: DesiredPod,
  spec: ContainerSpec,
  instance: { restartCount: number; lastState?: ContainerState },
): ContainerCreateSpec {
  const hash = specHash(spec);
  const cpuMillis = spec.resources?.limits?.cpu !== undefined ? parseCpuMillis(spec.resources.limits.cpu) : undefined;
  const memoryBytes = spec.resources?.limits?.memory !== undefined ? parseMemoryBytes(spec.resources.limits.memory) : undefined;
  return {
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
    },
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    env: (spec.env ?? []).map((e) => ({ name: e.name, value: e.value })),
    ...(spec.workingDir !== undefined ? { workingDir: spec.workingDir } : {}),
    hostname: pod.name.split('.')[0]?.slice(0, HOSTNAME_MAX) ?? pod.name,
    ports: (spec.ports ?? []).map((p) => ({
      containerPort: p.containerPort,
      protocol: p.protocol,
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
      ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
    })),
    ...(cpuMillis !== undefined ? { nanoCpus: cpuMillis * 1_000_000 } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  };
}
