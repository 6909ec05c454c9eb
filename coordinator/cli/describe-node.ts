import type { NodeStatus } from '../../protocol/messages.js';
import type { EventItem, ListItem } from '../../protocol/requests.js';
import { formatCpu, formatMemory, humanMemory, parseCpuMillis, parseMemoryBytes } from '../../protocol/quantity.js';
import { formatAge } from './age.js';
import { cell, eventLines, formatTime, indent, mapLines, renderDescription } from './describe-text.js';
import { viewDescribedPod, type ContainerView } from './describe-views.js';
import { nodeRolesColumn } from './node-items.js';

/**
 * `baton describe node NAME`: a node as kubectl describes one, from its agent's retained
 * status, the pods bound to it and the events about it. Pure.
 */

interface PodAmounts {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
}

/** A pod's requests and limits summed over its containers; a missing request is the limit, as in Kubernetes. */
export function podAmounts(containers: readonly ContainerView[]): PodAmounts {
  const total: PodAmounts = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0 };
  for (const { resources } of containers) {
    const cpuLimit = resources.limits?.cpu;
    const memoryLimit = resources.limits?.memory;
    const cpuRequest = resources.requests?.cpu ?? cpuLimit;
    const memoryRequest = resources.requests?.memory ?? memoryLimit;
    total.cpuLimit += cpuLimit !== undefined ? (parseCpuMillis(cpuLimit) ?? 0) : 0;
    total.memoryLimit += memoryLimit !== undefined ? (parseMemoryBytes(memoryLimit) ?? 0) : 0;
    total.cpuRequest += cpuRequest !== undefined ? (parseCpuMillis(cpuRequest) ?? 0) : 0;
    total.memoryRequest += memoryRequest !== undefined ? (parseMemoryBytes(memoryRequest) ?? 0) : 0;
  }
  return total;
}

/** `250m (6%)`: an amount and its share of what the node offers, truncated as kubectl does. */
function share(amount: string, value: number, of: number | undefined): string {
  return of === undefined || of <= 0 ? amount : `${amount} (${Math.trunc((value / of) * 100)}%)`;
}

function isTerminated(item: ListItem): boolean {
  const phase = item.status?.['phase'];
  return phase === 'Succeeded' || phase === 'Failed';
}

function podLines(status: NodeStatus, pods: readonly ListItem[], now: number): string[] {
  const running = pods.filter((p) => !isTerminated(p));
  const offered = status.allocatable ?? status.capacity;
  const cpu = offered !== undefined ? parseCpuMillis(offered.cpu) : undefined;
  const memory = offered !== undefined ? parseMemoryBytes(offered.memory) : undefined;
  const sum: PodAmounts = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0 };
  const rows = running.map((item) => {
    const a = podAmounts(viewDescribedPod(item).spec.containers);
    sum.cpuRequest += a.cpuRequest;
    sum.cpuLimit += a.cpuLimit;
    sum.memoryRequest += a.memoryRequest;
    sum.memoryLimit += a.memoryLimit;
    return [
      cell(item.metadata.namespace),
      cell(item.metadata.name),
      share(formatCpu(a.cpuRequest), a.cpuRequest, cpu),
      share(formatCpu(a.cpuLimit), a.cpuLimit, cpu),
      share(formatMemory(a.memoryRequest), a.memoryRequest, memory),
      share(formatMemory(a.memoryLimit), a.memoryLimit, memory),
      formatAge(item.metadata.creationTimestamp, now),
    ].join('\t');
  });
  return [
    `Non-terminated Pods:\t(${running.length} in total)`,
    '  Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge',
    '  ---------\t----\t------------\t----------\t---------------\t-------------\t---',
    ...rows.map((row) => `${indent(1)}${row}`),
    'Allocated resources:',
    '  (Total limits may be over 100 percent, i.e., overcommitted.)',
    '  Resource\tRequests\tLimits',
    '  --------\t--------\t------',
    `  cpu\t${share(formatCpu(sum.cpuRequest), sum.cpuRequest, cpu)}\t${share(formatCpu(sum.cpuLimit), sum.cpuLimit, cpu)}`,
    `  memory\t${share(formatMemory(sum.memoryRequest), sum.memoryRequest, memory)}\t${share(formatMemory(sum.memoryLimit), sum.memoryLimit, memory)}`,
  ];
}

function amountLines(title: string, amounts: NodeStatus['capacity']): string[] {
  if (amounts === undefined) return [];
  return [`${title}:`, `  cpu:\t${cell(amounts.cpu)}`, `  memory:\t${cell(amounts.memory)}`, `  pods:\t${cell(amounts.pods)}`];
}

function conditionLines(status: NodeStatus): string[] {
  const conditions = status.conditions ?? [];
  if (conditions.length === 0) return [];
  return [
    'Conditions:',
    '  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage',
    '  ----\t------\t-----------------\t------------------\t------\t-------',
    ...conditions.map(
      (c) =>
        `  ${cell(c.type)} \t${cell(c.status)} \t${formatTime(status.time)} \t${formatTime(c.lastTransitionTime)} \t${cell(c.reason)} \t${cell(c.message)}`,
    ),
  ];
}

function systemInfoLines(status: NodeStatus): string[] {
  const { info } = status;
  if (info === undefined) return [];
  return [
    'System Info:',
    `  Kernel Version:\t${cell(info.kernelVersion)}`,
    `  OS Image:\t${cell(info.osImage)}`,
    `  Operating System:\t${cell(info.operatingSystem)}`,
    `  Architecture:\t${cell(info.architecture)}`,
    `  Container Runtime Version:\t${cell(info.containerRuntimeVersion)}`,
    `  Agent Version:\t${cell(info.agentVersion)}`,
    `  CPUs:\t${info.cpus}`,
    `  Memory:\t${humanMemory(info.memoryBytes)}`,
    ...(info.piModel !== undefined ? [`  Pi Model:\t${cell(info.piModel)}`] : []),
    ...(info.temperatureCelsius !== undefined ? [`  Temperature:\t${info.temperatureCelsius.toFixed(1)}°C`] : []),
  ];
}

/**
 * `pods` are the pods bound to the node (their statuses as the node reported them);
 * `events` the events about the node itself.
 */
export function describeNode(status: NodeStatus, pods: readonly ListItem[], events: readonly EventItem[], now: number, unschedulable = false): string {
  const state = `${status.state}${status.reason !== undefined ? ` (${status.reason})` : ''}`;
  return renderDescription([
    `Name:\t${cell(status.node)}`,
    `Roles:\t${cell(nodeRolesColumn(status.labels))}`,
    ...mapLines('Labels', status.labels),
    `CreationTimestamp:\t${formatTime(status.startedAt)}`,
    ...taintLines(status),
    `Unschedulable:\t${unschedulable}`,
    ...allowsLines(status),
    `State:\t${cell(state)}`,
    `Last Status:\t${formatTime(status.time)}`,
    ...(status.observedGeneration !== undefined ? [`Observed Generation:\t${status.observedGeneration}`] : []),
    ...conditionLines(status),
    ...amountLines('Capacity', status.capacity),
    ...amountLines('Allocatable', status.allocatable),
    ...systemInfoLines(status),
    ...(status.usage !== undefined ? ['Usage:', `  CPU:\t${status.usage.cpuPercent.toFixed(1)}%`, `  Memory:\t${humanMemory(status.usage.memoryBytes)}`] : []),
    ...podLines(status, pods, now),
    ...eventLines(events, now),
  ]);
}

/** kubectl's `Taints:` block: `key=value:Effect`, one a line, or `<none>`. */
function taintLines(status: NodeStatus): string[] {
  const taints = (status.taints ?? []).map((t) => cell(`${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`));
  if (taints.length === 0) return ['Taints:\t<none>'];
  return [`Taints:\t${taints[0]}`, ...taints.slice(1).map((t) => `\t${t}`)];
}

/**
 * What the node's agent lets pods take from it (its `--allow-*` flags), one a line, as
 * the Taints block; a status without `allows` (an older agent, or the node offline) is
 * read by the scheduler as plain containers only, and said so.
 */
function allowsLines(status: NodeStatus): string[] {
  const { allows } = status;
  if (allows === undefined) return ['Allows:\t<not reported: plain containers only>'];
  const lines = [
    ...(allows.privileged ? ['privileged containers'] : []),
    ...(allows.hostNetwork ? ['hostNetwork'] : []),
    ...allows.hostPaths.map((p) => `hostPath ${p}`),
    ...allows.devices.map((d) => `device ${d}`),
  ].map(cell);
  if (lines.length === 0) return ['Allows:\tplain containers only'];
  return [`Allows:\t${lines[0]}`, ...lines.slice(1).map((l) => `\t${l}`)];
}

/** True if `event` is about the node itself (not one of its pods). */
export function isAboutNode(event: EventItem, node: string): boolean {
  return event.involvedObject.kind === 'Node' && event.involvedObject.name === node;
}
