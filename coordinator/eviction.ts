import type { Taint, Toleration } from '../protocol/manifest-scheduling.js';
import type { NodeClocks } from './node-clocks.js';
import { taintId } from './node-clocks.js';
import type { NodeView } from './node-view.js';
import { toleratesTaint, untoleratedTaintReason } from './scheduler-filters.js';

/**
 * When a pod on a node that is not Ready, or that carries NoExecute taints, is to be
 * given up on (evicted), pure; Kubernetes' taint-based eviction with the node's
 * conditions as taints. A node that is offline (last will, goodbye, or status overdue)
 * counts as tainted `node.kubernetes.io/unreachable:NoExecute`, a node online with Ready
 * not True as `node.kubernetes.io/not-ready:NoExecute`, both since this coordinator saw
 * it not Ready. A pod tolerates such a taint for `--eviction-timeout`, unless it has its
 * own tolerations of it (as Kubernetes' DefaultTolerationSeconds adds 300 s only to a pod
 * that has none): then for their shortest `tolerationSeconds` (0 or less: not at all),
 * or for ever if none of them has one. A NoExecute taint of the node's own that the pod
 * does not tolerate evicts it at once. Times are monotonic milliseconds.
 */

export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';

export type EvictionReason = 'NodeUnreachable' | 'NodeNotReady' | 'NoExecuteTaint';

export type EvictionVerdict =
  | { kind: 'never' }
  /** Evicted from `atMs` on (which may be past). */
  | { kind: 'at'; atMs: number; reason: EvictionReason; message: string };

export interface EvictionInput {
  tolerations: readonly Toleration[] | undefined;
  node: Pick<NodeView, 'name' | 'presence' | 'ready' | 'taints'>;
  clocks: NodeClocks;
  nowMs: number;
  evictionTimeoutMs: number;
  /**
   * Since when the coordinator has seen the pod bound to this node: a pod that came
   * after the taint (a replacement placed there, tolerating it) gets its whole
   * tolerationSeconds from its arrival, as Kubernetes times each pod it processes.
   */
  boundSinceMs?: number;
}

/** How long the tolerations that match a taint let a pod stay: ms, or undefined for ever. Kubernetes' getMinTolerationTime. */
export function toleratedForMs(matching: readonly Toleration[]): number | undefined {
  let shortest: number | undefined;
  for (const toleration of matching) {
    if (toleration.tolerationSeconds === undefined) continue;
    const ms = Math.max(0, toleration.tolerationSeconds) * 1000;
    shortest = Math.min(shortest ?? ms, ms);
  }
  return shortest;
}

/** The taint that stands for the node's condition while it is not Ready; undefined while Ready. */
export function conditionTaint(node: Pick<NodeView, 'presence' | 'ready'>): Taint | undefined {
  if (node.presence === 'online') return node.ready ? undefined : { key: NOT_READY_TAINT_KEY, effect: 'NoExecute' };
  if (node.presence === 'offline') return { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute' };
  return undefined; // not heard since start (its status may be on its way) or removed: judged elsewhere
}

/** The moment the pod is to be evicted from its node, and why; `never` if nothing would evict it. */
export function evictionVerdict(input: EvictionInput): EvictionVerdict {
  const { node, clocks, nowMs, evictionTimeoutMs } = input;
  const from = (since: number): number => Math.max(since, input.boundSinceMs ?? since);
  const tolerations = input.tolerations ?? [];
  let verdict: EvictionVerdict = { kind: 'never' };
  const consider = (candidate: EvictionVerdict): void => {
    if (candidate.kind === 'at' && (verdict.kind === 'never' || candidate.atMs < verdict.atMs)) verdict = candidate;
  };

  const condition = conditionTaint(node);
  if (condition !== undefined) {
    const since = from(clocks.notReadySince.get(node.name) ?? nowMs);
    const matching = tolerations.filter((t) => toleratesTaint(t, condition));
    const forMs = matching.length === 0 ? evictionTimeoutMs : toleratedForMs(matching);
    if (forMs !== undefined) {
      const unreachable = condition.key === UNREACHABLE_TAINT_KEY;
      const limit = matching.length === 0 ? `--eviction-timeout ${goDuration(forMs)}` : `the pod tolerates ${condition.key} for ${goDuration(forMs)}`;
      consider({
        kind: 'at',
        atMs: since + forMs,
        reason: unreachable ? 'NodeUnreachable' : 'NodeNotReady',
        message: `node ${node.name} ${unreachable ? 'unreachable' : 'not ready'} for longer than ${limit}`,
      });
    }
  }

  const taintClocks = clocks.taintsSince.get(node.name);
  for (const taint of node.taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    const taintSince = taintClocks?.get(taintId(taint)) ?? nowMs;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) {
      consider({ kind: 'at', atMs: taintSince, reason: 'NoExecuteTaint', message: `${untoleratedTaintReason(taint).replace('node(s) had', `node ${node.name} has`)}:NoExecute` });
      continue;
    }
    const forMs = toleratedForMs(matching);
    if (forMs !== undefined) {
      consider({ kind: 'at', atMs: from(taintSince) + forMs, reason: 'NoExecuteTaint', message: `node ${node.name} has taint ${taintId(taint)}, tolerated for ${goDuration(forMs)}` });
    }
  }
  return verdict;
}

/** A duration as Go (and so kubectl) writes it: `500ms`, `30s`, `2m0s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}
