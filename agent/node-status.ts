import type { Taint } from '../protocol/manifest-scheduling.js';
import type { Condition, NodeInfo, NodeStatus } from '../protocol/messages.js';
import type { NodeAllows } from '../protocol/node-allows.js';
import { formatCpu, formatMemory } from '../protocol/quantity.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { StaticFacts, Usage } from './node-facts.js';

/** How many pods a node may run, as kubelet's default. */
export const MAX_PODS = 110;
/** Memory kept back from pods, as kubelet's default hard eviction threshold (100Mi). */
export const RESERVED_MEMORY_BYTES = 100 * 2 ** 20;

export interface NodeStatusInput {
  readonly node: string;
  readonly facts: StaticFacts;
  readonly usage?: Usage;
  /** From `--label`; the well-known kubernetes.io labels win over them. */
  readonly labels: Readonly<Record<string, string>>;
  /** From `--taint`; published only when there are some. */
  readonly taints?: readonly Taint[];
  /** From the `--allow-*` flags; always published, so "nothing allowed" reads the same from every agent. */
  readonly allows: NodeAllows;
  readonly runtimeVersion: string;
  readonly agentVersion: string;
  /** Why the container runtime cannot be used, if it cannot. */
  readonly runtimeProblem?: string;
  readonly observedGeneration?: number;
  readonly pods?: number;
  /** Epoch ms when the agent started. */
  readonly startedAt: number;
  /** Epoch ms. */
  readonly now: number;
}

/** Whole KiB, as Kubernetes reports node memory. */
function memoryQuantity(bytes: number): string {
  return formatMemory(Math.max(0, Math.floor(bytes / 1024) * 1024));
}

/** The retained node status: facts, labels, capacity, conditions and usage. Pure. */
export function buildNodeStatus(input: NodeStatusInput): NodeStatus {
  const { facts } = input;
  const info: NodeInfo = {
    architecture: facts.architecture,
    operatingSystem: facts.operatingSystem,
    osImage: facts.osImage,
    kernelVersion: facts.kernelVersion,
    ...(facts.piModel !== undefined ? { piModel: facts.piModel } : {}),
    cpus: facts.cpus,
    memoryBytes: facts.memoryBytes,
    ...(input.usage?.temperatureCelsius !== undefined ? { temperatureCelsius: input.usage.temperatureCelsius } : {}),
    containerRuntimeVersion: input.runtimeVersion,
    agentVersion: input.agentVersion,
  };
  const ready: Condition =
    input.runtimeProblem === undefined
      ? { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'baton-agent is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'AgentNotReady', message: `container runtime is down: ${input.runtimeProblem}` };
  return {
    protocol: PROTOCOL_VERSION,
    node: input.node,
    state: 'online',
    time: new Date(input.now).toISOString(),
    startedAt: new Date(input.startedAt).toISOString(),
    info,
    labels: {
      ...input.labels,
      'kubernetes.io/arch': facts.architecture,
      'kubernetes.io/os': facts.operatingSystem,
      'kubernetes.io/hostname': input.node,
    },
    ...(input.taints !== undefined && input.taints.length > 0 ? { taints: input.taints.map((t) => ({ ...t })) } : {}),
    allows: { ...input.allows, hostPaths: [...input.allows.hostPaths], devices: [...input.allows.devices] },
    capacity: { cpu: formatCpu(facts.cpus * 1000), memory: memoryQuantity(facts.memoryBytes), pods: String(MAX_PODS) },
    allocatable: {
      cpu: formatCpu(facts.cpus * 1000),
      memory: memoryQuantity(facts.memoryBytes - RESERVED_MEMORY_BYTES),
      pods: String(MAX_PODS),
    },
    conditions: [ready],
    ...(input.usage ? { usage: { cpuPercent: input.usage.cpuPercent, memoryBytes: input.usage.memoryBytes } } : {}),
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    ...(input.pods !== undefined ? { pods: input.pods } : {}),
  };
}

/** What the node says when it stops (AgentStopped) and what its last will says (ConnectionLost). */
export function offlineStatus(node: string, reason: 'AgentStopped' | 'ConnectionLost', now?: number): NodeStatus {
  return { protocol: PROTOCOL_VERSION, node, state: 'offline', reason, ...(now !== undefined ? { time: new Date(now).toISOString() } : {}) };
}
