import type { PodSpec } from '../protocol/manifest.js';
import type { NodeView } from './node-view.js';
import { podRequests, type Resources } from './resources.js';
import { feasibleNodesToFind, firstNodeIndex } from './scheduler-sampling.js';
import { disallowedReason, FILTERED_EFFECTS, firstUntoleratedTaint, toleratesCordon, matchesNodeAffinity, preferNoScheduleCount, untoleratedTaintReason } from './scheduler-filters.js';
import type { StoredPod } from './state.js';

/**
 * The scheduler: a pure function from nodes, bound pods and pending pods to bindings.
 * For each pending pod it filters the nodes (every failing node gets the reason it
 * failed, in kube-scheduler's words and filter order: cordon, node name, taints, node
 * affinity/selector, what the node allows (privileged, hostNetwork, hostPath, devices),
 * host ports, resources), then scores those left: fewest untolerated
 * PreferNoSchedule taints first (such a node is used only when no other fits), then
 * fewest pods of the same owner (spread), then the least allocated node, then the name
 * for a stable choice. Pods are placed one after another, each seeing the ones placed before it.
 */

export const Reasons = {
  offline: 'node(s) were offline',
  notReady: 'node(s) were not ready',
  /** kube-scheduler's NodeUnschedulable filter: the node is cordoned. */
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  selector: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
} as const;

export interface SchedulerInput {
  /** Every node heard from; offline ones count in "0/N nodes" but never fit. */
  nodes: readonly NodeView[];
  /** Pods bound to a node and still holding its resources. */
  bound: readonly StoredPod[];
  /** Pods to place, in the order to place them. */
  pending: readonly StoredPod[];
}

export interface SchedulerResult {
  /** Pod name -> node name. */
  bindings: Map<string, string>;
  /** Pod name -> why no node fits, as kube-scheduler words it. */
  unschedulable: Map<string, string>;
}

interface HostPort {
  protocol: string;
  port: number;
  ip: string;
}

/** What is already on a node, updated as pods are placed. */
interface NodeUsage {
  requested: Resources;
  pods: number;
  hostPorts: HostPort[];
  byOwner: Map<string, number>;
}

function ownerUid(pod: StoredPod): string | undefined {
  return pod.metadata.ownerReferences?.[0]?.uid;
}

/** The node ports a pod takes: its hostPorts, and with hostNetwork every containerPort (Kubernetes makes those host ports). */
function hostPorts(spec: PodSpec): HostPort[] {
  return spec.containers.flatMap((c) =>
    (c.ports ?? []).flatMap((p) => {
      const port = p.hostPort ?? (spec.hostNetwork === true ? p.containerPort : undefined);
      return port === undefined ? [] : [{ protocol: p.protocol, port, ip: p.hostIP ?? '0.0.0.0' }];
    }),
  );
}

function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.protocol === b.protocol && a.port === b.port && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

function emptyUsage(): NodeUsage {
  return { requested: { cpuMillis: 0, memoryBytes: 0 }, pods: 0, hostPorts: [], byOwner: new Map() };
}

function addPod(usage: NodeUsage, pod: StoredPod, demand: PodDemand = demandOf(pod)): void {
  const { requests } = demand;
  usage.requested.cpuMillis += requests.cpuMillis;
  usage.requested.memoryBytes += requests.memoryBytes;
  usage.pods += 1;
  usage.hostPorts.push(...demand.hostPorts);
  const owner = ownerUid(pod);
  if (owner !== undefined) usage.byOwner.set(owner, (usage.byOwner.get(owner) ?? 0) + 1);
}

/** What a pod asks of a node, worked out once per pod rather than once per node. */
interface PodDemand {
  spec: PodSpec;
  requests: Resources;
  hostPorts: HostPort[];
}

function demandOf(pod: StoredPod): PodDemand {
  return { spec: pod.spec, requests: podRequests(pod.spec), hostPorts: hostPorts(pod.spec) };
}

/** Why `pod` cannot go to `node`; empty if it fits. Stops at the first failing filter, as kube-scheduler does. */
export function unfitReasons(pod: StoredPod, node: NodeView, usage: NodeUsage = emptyUsage()): string[] {
  return unfit(demandOf(pod), node, usage);
}

function unfit(demand: PodDemand, node: NodeView, usage: NodeUsage): string[] {
  const { spec, requests } = demand;
  if (node.presence !== 'online') return [Reasons.offline];
  if (!node.ready) return [Reasons.notReady];
  if (node.unschedulable === true && !toleratesCordon(spec.tolerations)) return [Reasons.unschedulable];
  if (spec.nodeName !== undefined && spec.nodeName !== node.name) return [Reasons.nodeName];
  const taint = firstUntoleratedTaint(node.taints, spec.tolerations, FILTERED_EFFECTS);
  if (taint !== undefined) return [untoleratedTaintReason(taint)];
  if (!matchesNodeAffinity(spec, node.labels)) return [Reasons.selector];
  const disallowed = disallowedReason(spec, node.allows);
  if (disallowed !== undefined) return [disallowed];
  if (demand.hostPorts.some((w) => usage.hostPorts.some((used) => portsConflict(w, used)))) return [Reasons.ports];
  const reasons: string[] = [];
  const { allocatable } = node;
  if (allocatable.pods !== undefined && usage.pods + 1 > allocatable.pods) reasons.push(Reasons.tooManyPods);
  if (allocatable.cpuMillis !== undefined && requests.cpuMillis > 0 && usage.requested.cpuMillis + requests.cpuMillis > allocatable.cpuMillis) {
    reasons.push(Reasons.cpu);
  }
  if (allocatable.memoryBytes !== undefined && requests.memoryBytes > 0 && usage.requested.memoryBytes + requests.memoryBytes > allocatable.memoryBytes) {
    reasons.push(Reasons.memory);
  }
  return reasons;
}

/**
 * kube-scheduler's summary: `0/3 nodes are available: 1 node(s) didn't match Pod's node
 * affinity/selector, 2 Insufficient memory.` Reasons are counted over the nodes and each
 * "COUNT REASON" is listed in plain string order, as kube-scheduler sorts them.
 */
export function unschedulableMessage(nodeCount: number, reasonCounts: ReadonlyMap<string, number>): string {
  if (nodeCount === 0) return '0/0 nodes are available: no nodes available to schedule pods.';
  const parts = [...reasonCounts.entries()].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}.`;
}

/** Higher is better: the share of the node's CPU and memory left free once the pod is placed. */
function leastAllocatedScore(node: NodeView, usage: NodeUsage, requests: Resources): number {
  const shares: number[] = [];
  const { cpuMillis, memoryBytes } = node.allocatable;
  if (cpuMillis !== undefined && cpuMillis > 0) shares.push((cpuMillis - usage.requested.cpuMillis - requests.cpuMillis) / cpuMillis);
  if (memoryBytes !== undefined && memoryBytes > 0) shares.push((memoryBytes - usage.requested.memoryBytes - requests.memoryBytes) / memoryBytes);
  return shares.length === 0 ? 0 : shares.reduce((a, b) => a + b, 0) / shares.length;
}

export function schedule(input: SchedulerInput): SchedulerResult {
  const usage = new Map<string, NodeUsage>(input.nodes.map((n) => [n.name, emptyUsage()]));
  for (const pod of input.bound) {
    const nodeUsage = pod.nodeName === undefined ? undefined : usage.get(pod.nodeName);
    if (nodeUsage) addPod(nodeUsage, pod);
  }
  const result: SchedulerResult = { bindings: new Map(), unschedulable: new Map() };
  for (const pod of input.pending) {
    const demand = demandOf(pod);
    const reasonCounts = new Map<string, number>();
    const feasible: NodeView[] = [];
    const nodeCount = input.nodes.length;
    const wanted = feasibleNodesToFind(nodeCount);
    const first = firstNodeIndex(pod.metadata.uid, nodeCount);
    for (let i = 0; i < nodeCount && feasible.length < wanted; i++) {
      const node = input.nodes[(first + i) % nodeCount] as NodeView;
      const reasons = unfit(demand, node, usage.get(node.name) ?? emptyUsage());
      if (reasons.length === 0) feasible.push(node);
      for (const reason of reasons) reasonCounts.set(reason, (reasonCounts.get(reason) ?? 0) + 1);
    }
    if (feasible.length === 0) {
      result.unschedulable.set(pod.metadata.name, unschedulableMessage(input.nodes.length, reasonCounts));
      continue;
    }
    const chosen = pickNode(pod, demand, feasible, usage);
    result.bindings.set(pod.metadata.name, chosen.name);
    const chosenUsage = usage.get(chosen.name);
    if (chosenUsage) addPod(chosenUsage, pod, demand);
  }
  return result;
}

function pickNode(pod: StoredPod, demand: PodDemand, feasible: readonly NodeView[], usage: ReadonlyMap<string, NodeUsage>): NodeView {
  const owner = ownerUid(pod);
  const { requests } = demand;
  type Scored = { node: NodeView; preferNoSchedule: number; sameOwner: number; free: number; pods: number };
  const better = (a: Scored, b: Scored): boolean =>
    (a.preferNoSchedule - b.preferNoSchedule || a.sameOwner - b.sameOwner || b.free - a.free || a.pods - b.pods || a.node.name.localeCompare(b.node.name)) < 0;
  let best: Scored | undefined;
  for (const node of feasible) {
    const nodeUsage = usage.get(node.name) ?? emptyUsage();
    const scored = {
      node,
      preferNoSchedule: preferNoScheduleCount(node.taints, demand.spec.tolerations),
      sameOwner: owner === undefined ? 0 : (nodeUsage.byOwner.get(owner) ?? 0),
      free: leastAllocatedScore(node, nodeUsage, requests),
      pods: nodeUsage.pods,
    };
    if (best === undefined || better(scored, best)) best = scored;
  }
  if (best === undefined) throw new Error('pickNode called without a feasible node');
  return best.node;
}
