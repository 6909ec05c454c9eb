import type { PodStatus } from '../protocol/messages.js';
import { ownerUidOf } from './controllers/owned.js';
import type { NodeClocks } from './node-clocks.js';
import { isPodTerminal } from './pod-readiness.js';
import type { StoredNode, StoredPod } from './state.js';

/**
 * Pods deleted from the store that their node may still be running: what a Recreate
 * update waits for (`terminating`). The shell keeps the list in memory; these pure
 * functions add to it after each commit, prune it, and count it per owner.
 */

export interface DeletedPod {
  uid: string;
  name: string;
  /** The Deployment or DaemonSet that owned it. */
  owner: string;
  node: string;
  /** The node's desired generation that no longer holds the pod. */
  generation: number;
  /**
   * When it is no longer waited for, whatever its node says (monotonic ms): its grace
   * period plus `--eviction-timeout` after its deletion. A stop takes its grace period;
   * a report still held long after is one whose clearing the coordinator missed (it was
   * away from the broker), and a Recreate must not wait on it for ever.
   */
  expiresAtMs: number;
}

/**
 * The owned, bound pods in `before` that `after` no longer holds (by uid), with the
 * generation that dropped them, deleted at `nowMs`. A pod given up on (evicted) is not
 * among them: its node is away, and nothing is waited for there.
 */
export function deletedPods(
  before: Readonly<Record<string, StoredPod>>,
  after: Readonly<Record<string, StoredPod>>,
  nodes: Readonly<Record<string, StoredNode>>,
  nowMs: number,
  evictionTimeoutMs: number,
): DeletedPod[] {
  const kept = new Set(Object.values(after).map((p) => p.metadata.uid));
  const out: DeletedPod[] = [];
  for (const pod of Object.values(before)) {
    const owner = ownerUidOf(pod);
    if (kept.has(pod.metadata.uid) || owner === undefined || pod.nodeName === undefined || pod.evictedAt !== undefined) continue;
    const expiresAtMs = nowMs + pod.spec.terminationGracePeriodSeconds * 1000 + evictionTimeoutMs;
    out.push({ uid: pod.metadata.uid, name: pod.metadata.name, owner, node: pod.nodeName, generation: nodes[pod.nodeName]?.generation ?? 0, expiresAtMs });
  }
  return out;
}

export interface TerminatingView {
  /** The pod's latest report, stale or not: a node that still reports the pod has not stopped it. */
  podStatus(uid: string): PodStatus | undefined;
  /** The newest desired generation the node says it applied. */
  appliedGeneration(node: string): number | undefined;
  /** Nodes removed from the fleet. */
  goneNodes: ReadonlySet<string>;
  clocks: NodeClocks;
  /** Monotonic ms. */
  nowMs: number;
  evictionTimeoutMs: number;
}

/**
 * From when nothing on the node is waited for any more: at once for a removed node,
 * `--eviction-timeout` after it went not Ready (its pods are given up on by then);
 * undefined for a Ready node.
 */
function lostAtMs(node: string, view: TerminatingView): number | undefined {
  if (view.goneNodes.has(node)) return Number.NEGATIVE_INFINITY;
  const since = view.clocks.notReadySince.get(node);
  return since === undefined ? undefined : since + view.evictionTimeoutMs;
}

function isNodeLost(node: string, view: TerminatingView): boolean {
  const at = lostAtMs(node, view);
  return at !== undefined && at <= view.nowMs;
}

/** No longer waited for: its node is lost, or it has expired. */
function isGivenUp(pod: DeletedPod, view: TerminatingView): boolean {
  return isNodeLost(pod.node, view) || pod.expiresAtMs <= view.nowMs;
}

/** A deleted pod is still being stopped while its node is not lost and still reports it, not finished. */
function isStopping(pod: DeletedPod, view: TerminatingView): boolean {
  if (isGivenUp(pod, view)) return false;
  const status = view.podStatus(pod.uid);
  return status !== undefined && !isPodTerminal(status);
}

/**
 * The entries worth keeping: those still being stopped, and those whose node has not yet
 * applied the generation without them (its report may still be on its way). An entry
 * goes once its report is cleared and the node caught up, or its node is lost, or it expires.
 */
export function pruneDeleted(pods: readonly DeletedPod[], view: TerminatingView): DeletedPod[] {
  return pods.filter((p) => {
    if (isGivenUp(p, view)) return false;
    if (isStopping(p, view)) return true;
    return view.podStatus(p.uid) === undefined && (view.appliedGeneration(p.node) ?? 0) < p.generation;
  });
}

/**
 * Owner uid -> how many of its deleted pods are still being stopped, and the moment a
 * count drops by time alone (a node with such pods reaching its eviction timeout, or a
 * pod expiring).
 */
export function terminatingByOwner(pods: readonly DeletedPod[], view: TerminatingView): { counts: Map<string, number>; changesAtMs?: number } {
  const counts = new Map<string, number>();
  let changesAtMs: number | undefined;
  for (const pod of pods) {
    if (!isStopping(pod, view)) continue;
    counts.set(pod.owner, (counts.get(pod.owner) ?? 0) + 1);
    const lostAt = lostAtMs(pod.node, view);
    const at = lostAt === undefined ? pod.expiresAtMs : Math.min(lostAt, pod.expiresAtMs);
    changesAtMs = Math.min(changesAtMs ?? at, at);
  }
  return changesAtMs === undefined ? { counts } : { counts, changesAtMs };
}
