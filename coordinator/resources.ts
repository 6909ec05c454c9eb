import type { PodSpec } from '../protocol/manifest.js';
import type { ResourceAmounts } from '../protocol/messages.js';
import { parseCpuMillis, parseMemoryBytes } from '../protocol/quantity.js';

/** CPU and memory as plain numbers. */
export interface Resources {
  cpuMillis: number;
  memoryBytes: number;
}

/** What a node offers pods; a missing amount is not limited. */
export interface Allocatable {
  cpuMillis?: number;
  memoryBytes?: number;
  pods?: number;
}

/**
 * What a pod asks for: the sum over its containers of each container's request, or its
 * limit when it sets no request (Kubernetes defaults a missing request to the limit).
 */
export function podRequests(spec: PodSpec): Resources {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const container of spec.containers) {
    const { requests, limits } = container.resources ?? {};
    const cpu = requests?.cpu ?? limits?.cpu;
    const memory = requests?.memory ?? limits?.memory;
    if (cpu !== undefined) cpuMillis += parseCpuMillis(cpu) ?? 0;
    if (memory !== undefined) memoryBytes += parseMemoryBytes(memory) ?? 0;
  }
  return { cpuMillis, memoryBytes };
}

/** A node's reported allocatable amounts; unreadable ones count as not limited. */
export function parseAllocatable(amounts: ResourceAmounts | undefined): Allocatable {
  if (amounts === undefined) return {};
  const out: Allocatable = {};
  const cpu = parseCpuMillis(amounts.cpu);
  const memory = parseMemoryBytes(amounts.memory);
  const pods = Number(amounts.pods);
  if (cpu !== undefined) out.cpuMillis = cpu;
  if (memory !== undefined) out.memoryBytes = memory;
  if (amounts.pods.trim() !== '' && Number.isInteger(pods) && pods >= 0) out.pods = pods;
  return out;
}
