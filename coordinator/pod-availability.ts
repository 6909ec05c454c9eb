import type { PodStatus } from '../protocol/messages.js';
import type { PodAvailability } from './controllers/owned.js';
import { evictionVerdict, type EvictionReason } from './eviction.js';
import type { NodeClocks } from './node-clocks.js';
import type { NodeView } from './node-view.js';
import { isPodReady } from './pod-readiness.js';
import type { StoredPod } from './state.js';

/**
 * How the control loop sees each pod (see PodAvailability), pure: from its node's view,
 * the node clocks, the time and the pod's report. Only a Deployment's pods are ever
 * `lost`: a DaemonSet pod belongs to its node whatever happens to it (Kubernetes' daemon
 * pods tolerate all of it), and a pod without a controller stays bound, for nothing would
 * put it anywhere else (Kubernetes would delete it; Baton leaves it to the node, which
 * runs it again when it comes back).
 */

export interface AvailabilityContext {
  /** Every node the coordinator knows, by name (see nodeViews). */
  nodes: ReadonlyMap<string, NodeView>;
  clocks: NodeClocks;
  /** Monotonic ms. */
  nowMs: number;
  evictionTimeoutMs: number;
  /** The pod's latest report if it was made since its node last came back; undefined if none or stale. */
  currentPodStatus(uid: string): PodStatus | undefined;
  /** The node has been heard publishing since the coordinator started (see ObservedState.isHeardLive). */
  isHeardLive(node: string): boolean;
  /** Since when (monotonic ms) the coordinator has seen the pod bound to its node; undefined if not yet. */
  podBoundSince(uid: string): number | undefined;
}

/** `Evicted`: given up on in an earlier pass (the pod's `evictedAt`), its node not back since. */
export type LostReason = EvictionReason | 'NodeRemoved' | 'Evicted';

export interface AvailabilityVerdict {
  availability: PodAvailability;
  /** Set when `lost`: the pod's node, and why it was given up on. */
  lost?: { node: string; reason: LostReason; message: string };
  /** When the verdict changes with time alone (an eviction to come); undefined if only news can change it. */
  changesAtMs?: number;
}

function isEvictable(pod: StoredPod): boolean {
  return pod.metadata.ownerReferences?.[0]?.kind === 'Deployment';
}

export function podAvailability(pod: StoredPod, context: AvailabilityContext): AvailabilityVerdict {
  const nodeName = pod.nodeName;
  if (nodeName === undefined) return { availability: 'notReady' };
  const node = context.nodes.get(nodeName);
  let changesAtMs: number | undefined;
  if (isEvictable(pod)) {
    if (node?.presence === 'gone') {
      return { availability: 'lost', lost: { node: nodeName, reason: 'NodeRemoved', message: `node ${nodeName} was removed from the fleet (its status was cleared)` } };
    }
    const verdict =
      node === undefined ? undefined : evictionVerdict({
            tolerations: pod.spec.tolerations,
            node,
            clocks: context.clocks,
            nowMs: context.nowMs,
            evictionTimeoutMs: context.evictionTimeoutMs,
            boundSinceMs: context.podBoundSince(pod.metadata.uid) ?? context.nowMs,
          });
    if (verdict?.kind === 'at') {
      if (verdict.atMs <= context.nowMs) return { availability: 'lost', lost: { node: nodeName, reason: verdict.reason, message: verdict.message } };
      changesAtMs = verdict.atMs;
    }
    // Given up on before (perhaps by a coordinator since restarted, whose clocks started
    // again): it stays lost until its node is back, heard live (not only its retained
    // status, which a node dead without a will leaves saying online) and keeping it, or a
    // replacement made for it would be counted against it.
    const back = node?.presence === 'online' && node.ready && context.isHeardLive(nodeName) && verdict?.kind !== 'at';
    if (pod.evictedAt !== undefined && !back) {
      return { availability: 'lost', lost: { node: nodeName, reason: 'Evicted', message: `evicted at ${pod.evictedAt} and node ${nodeName} is not back` } };
    }
  }
  const at = changesAtMs !== undefined ? { changesAtMs } : {};
  if (node === undefined || node.presence !== 'online' || !node.ready) return { availability: 'unknown', ...at };
  const status = context.currentPodStatus(pod.metadata.uid);
  if (status === undefined) return { availability: 'unknown', ...at };
  return { availability: isPodReady(status) ? 'ready' : 'notReady', ...at };
}

/** The earliest of the moments at which any verdict changes with time alone. */
export function earliestChange(verdicts: Iterable<AvailabilityVerdict>): number | undefined {
  let earliest: number | undefined;
  for (const { changesAtMs } of verdicts) {
    if (changesAtMs !== undefined) earliest = Math.min(earliest ?? changesAtMs, changesAtMs);
  }
  return earliest;
}
