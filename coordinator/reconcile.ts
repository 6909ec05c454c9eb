import type { NodeStatus, PodStatus } from '../protocol/messages.js';
import { reconcileDaemonSet } from './controllers/daemonset.js';
import { reconcileDeployment } from './controllers/deployment.js';
import { ownerUidOf, type ControllerResult } from './controllers/owned.js';
import { desiredPodsByNode, nextNodeTable } from './desired.js';
import { noClocks, type NodeClocks } from './node-clocks.js';
import { viewNode, type NodeView } from './node-view.js';
import { earliestChange, podAvailability, type AvailabilityVerdict, type LostReason } from './pod-availability.js';
import { isPodTerminal } from './pod-readiness.js';
import { schedule } from './scheduler.js';
import type { CoordinatorState, Entropy, StoredPod } from './state.js';

/** What the coordinator has observed on the broker (not persisted: the broker keeps it). */
export interface Observations {
  /** Latest retained status of every node heard from since start. */
  nodeStatuses: ReadonlyMap<string, NodeStatus>;
  /** Nodes whose retained status was cleared since start: removed from the fleet. */
  goneNodes: ReadonlySet<string>;
  /** The latest status a node reported for the pod with this uid. */
  podStatus(uid: string): PodStatus | undefined;
}

/**
 * What the control loop knows of time and of nodes coming and going, beside the
 * observations: the clocks evictions count on, and the pods still being stopped.
 */
export interface Lifecycle {
  /** Monotonic ms: the clock `clocks` are kept on. */
  nowMs: number;
  /** `--eviction-timeout`: how long a Deployment's pods stay counted on a node that is not Ready. */
  evictionTimeoutMs: number;
  clocks: NodeClocks;
  /** The pod's latest report if its node made it since it last came back; undefined if none or stale. */
  currentPodStatus(uid: string): PodStatus | undefined;
  /** The node has been heard publishing since the coordinator started, not only its retained status. */
  isHeardLive(node: string): boolean;
  /** Since when (monotonic ms) the coordinator has seen the pod bound to its node; undefined if not yet. */
  podBoundSince(uid: string): number | undefined;
  /** Owner uid -> its deleted pods that their nodes are still stopping. */
  terminating: ReadonlyMap<string, number>;
}

/** No time passes and nothing is stale: every report counts, nothing is ever lost to a timeout. */
export function timelessLifecycle(observed: Observations): Lifecycle {
  return { nowMs: 0, evictionTimeoutMs: Number.POSITIVE_INFINITY, clocks: noClocks, currentPodStatus: (uid) => observed.podStatus(uid), isHeardLive: () => true, podBoundSince: () => 0, terminating: new Map() };
}

export interface LostPod {
  node: string;
  reason: LostReason;
  message: string;
}

export interface ReconcileResult {
  state: CoordinatorState;
  /** Pod name -> why it cannot be scheduled. */
  unschedulable: Map<string, string>;
  created: string[];
  deleted: string[];
  /** Pod name -> node it was bound to in this pass. */
  bound: Map<string, string>;
  /** Pod name -> the node it was given up on and why (its Deployment replaces it elsewhere), as judged at the start of the pass. */
  lost: Map<string, LostPod>;
  /** The earliest moment (monotonic ms) a decision of this pass would change with time alone; undefined if none would. */
  wakeAtMs: number | undefined;
}

export { isPodReady, isPodTerminal } from './pod-readiness.js';

/** Every node the coordinator knows, as the controllers and scheduler see it. */
export function nodeViews(state: CoordinatorState, observed: Observations): NodeView[] {
  const names = new Set([...Object.keys(state.nodes), ...observed.nodeStatuses.keys(), ...observed.goneNodes]);
  return [...names].sort().map((name) => viewNode(name, observed.nodeStatuses.get(name), observed.goneNodes.has(name), state.nodes[name]?.unschedulable === true));
}

/**
 * One pass of the control loop, pure: garbage-collect pods whose owner is gone, run the
 * Deployment and DaemonSet controllers, schedule pending pods, and bring each node's
 * desired generation up to date. Returns the new state; equal input, equal output
 * (given the same entropy), so an idle pass changes nothing.
 */
export function reconcile(state: CoordinatorState, observed: Observations, entropy: Entropy, lifecycle: Lifecycle = timelessLifecycle(observed)): ReconcileResult {
  const pods: Record<string, StoredPod> = { ...state.pods };
  const taken = new Set(Object.keys(pods));
  const created: string[] = [];
  const deleted: string[] = [];
  const apply = (result: ControllerResult): void => {
    for (const name of result.delete) {
      if (pods[name] === undefined) continue;
      delete pods[name];
      deleted.push(name);
    }
    for (const pod of result.create) {
      pods[pod.metadata.name] = pod;
      taken.add(pod.metadata.name);
      created.push(pod.metadata.name);
    }
  };

  // Each controller touches only its own pods, so grouping once up front stays true.
  const byOwner = new Map<string, StoredPod[]>();
  for (const pod of Object.values(pods)) {
    const owner = ownerUidOf(pod);
    if (owner === undefined) continue;
    const group = byOwner.get(owner);
    if (group) group.push(pod);
    else byOwner.set(owner, [pod]);
  }
  const owners = new Set([...Object.values(state.deployments), ...Object.values(state.daemonSets)].map((o) => o.metadata.uid));
  for (const [owner, orphans] of byOwner) {
    if (!owners.has(owner)) apply({ create: [], delete: orphans.map((p) => p.metadata.name) });
  }

  const views = nodeViews(state, observed);
  const context = { ...lifecycle, nodes: new Map(views.map((v) => [v.name, v])) };
  // Judged once, before any controller acts: pods created in this pass are not bound yet.
  const verdicts = new Map<string, AvailabilityVerdict>();
  const lost = new Map<string, LostPod>();
  for (const pod of Object.values(pods)) {
    const verdict = podAvailability(pod, context);
    verdicts.set(pod.metadata.uid, verdict);
    if (verdict.lost !== undefined) lost.set(pod.metadata.name, verdict.lost);
  }
  const availability = (pod: StoredPod) => verdicts.get(pod.metadata.uid)?.availability ?? 'notReady';
  for (const deployment of sortByName(Object.values(state.deployments))) {
    const owned = byOwner.get(deployment.metadata.uid) ?? [];
    const terminating = lifecycle.terminating.get(deployment.metadata.uid) ?? 0;
    apply(reconcileDeployment({ deployment, pods: owned, terminating, availability, takenNames: taken, entropy }));
  }
  for (const daemonSet of sortByName(Object.values(state.daemonSets))) {
    const owned = byOwner.get(daemonSet.metadata.uid) ?? [];
    apply(reconcileDaemonSet({ daemonSet, pods: owned, nodes: views, takenNames: taken, entropy, availability }));
  }

  const all = Object.values(pods);
  const pending = all
    .filter((p) => p.nodeName === undefined)
    .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
  const { bindings, unschedulable } = schedule({
    nodes: views.filter((n) => n.presence === 'online' || n.presence === 'offline'),
    bound: all.filter((p) => p.nodeName !== undefined && !isPodTerminal(observed.podStatus(p.metadata.uid))),
    pending,
  });
  for (const [name, nodeName] of bindings) {
    const pod = pods[name];
    if (pod) pods[name] = { ...pod, nodeName };
  }

  markEvictions(pods, verdicts, entropy);

  const nodes = nextNodeTable(state.nodes, observed.nodeStatuses.keys(), desiredPodsByNode(pods), reportedGenerations(observed), entropy);
  const stillHeld = Object.values(pods).flatMap((p) => verdicts.get(p.metadata.uid) ?? []);
  return { state: { ...state, pods, nodes }, unschedulable, created, deleted, bound: bindings, lost, wakeAtMs: earliestChange(stillHeld) };
}

/**
 * Records on each pod still held whether it has been given up on: `evictedAt` is set
 * the first time a pod is lost and cleared once it no longer is (its node is back). One
 * store write per eviction and per return; nothing else touches it.
 */
function markEvictions(pods: Record<string, StoredPod>, verdicts: ReadonlyMap<string, AvailabilityVerdict>, entropy: Pick<Entropy, 'now'>): void {
  for (const [name, pod] of Object.entries(pods)) {
    const lost = verdicts.get(pod.metadata.uid)?.availability === 'lost';
    if (lost && pod.evictedAt === undefined) pods[name] = { ...pod, evictedAt: entropy.now() };
    if (!lost && pod.evictedAt !== undefined) {
      const { evictedAt: _cleared, ...kept } = pod;
      pods[name] = kept;
    }
  }
}

/** Node -> the newest desired generation it says it applied. */
function reportedGenerations(observed: Observations): Map<string, number> {
  const reported = new Map<string, number>();
  for (const [name, status] of observed.nodeStatuses) {
    if (status.observedGeneration !== undefined) reported.set(name, status.observedGeneration);
  }
  return reported;
}

function sortByName<T extends { metadata: { name: string } }>(items: T[]): T[] {
  return items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
