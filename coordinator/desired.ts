import type { DesiredPod, NodeDesired } from '../protocol/messages.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../protocol/canonical-json.js';
import type { Entropy, StoredNode, StoredPod } from './state.js';

/**
 * Each node's desired state: its full pod set and a generation that grows by one
 * whenever that set changes. Change is judged by a hash of the set kept in the store,
 * so a restarted coordinator continues the same numbers and republishes an unchanged
 * set with its old generation. The one jump: a node that applied a higher generation
 * than the store holds (the store was lost) gets one above it (see nextNodeTable).
 */

export function toDesiredPod(pod: StoredPod, node: string): DesiredPod {
  const owner = pod.metadata.ownerReferences?.[0];
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    ...(owner ? { owner } : {}),
    spec: { ...pod.spec, nodeName: node },
  };
}

/*
 * Every control-loop pass groups and hashes every bound pod (nextNodeTable), so at a
 * thousand nodes re-serialising ten thousand unchanged pods each pass was most of the
 * coordinator's time. The state is immutable (a pass replaces a pod it changes, never
 * edits it), so a pod's desired form and its canonical text are kept per object: an
 * unchanged pod costs a lookup. Weak maps: a pod gone from the state is forgotten.
 */
const desiredForms = new WeakMap<StoredPod, DesiredPod>();
const canonicalForms = new WeakMap<DesiredPod, string>();

/** toDesiredPod on the pod's own node (its `nodeName`), made once per stored pod object. */
function desiredFormOf(pod: StoredPod, node: string): DesiredPod {
  let desired = desiredForms.get(pod);
  if (desired === undefined) {
    desired = toDesiredPod(pod, node);
    desiredForms.set(pod, desired);
  }
  return desired;
}

/**
 * contentHash(pods), the same hex digest (a JSON array's canonical text is its items'
 * joined by commas), with each item's canonical text made once per object.
 */
export function podSetHash(pods: readonly DesiredPod[]): string {
  const items = pods.map((pod) => {
    let text = canonicalForms.get(pod);
    if (text === undefined) {
      text = canonicalJson(pod);
      canonicalForms.set(pod, text);
    }
    return text;
  });
  return createHash('sha256').update(`[${items.join(',')}]`).digest('hex');
}

/** Bound pods grouped by node, each group sorted by pod name. */
export function desiredPodsByNode(pods: Readonly<Record<string, StoredPod>>): Map<string, DesiredPod[]> {
  const byNode = new Map<string, DesiredPod[]>();
  for (const pod of Object.values(pods)) {
    if (pod.nodeName === undefined) continue;
    const group = byNode.get(pod.nodeName) ?? [];
    group.push(desiredFormOf(pod, pod.nodeName));
    byNode.set(pod.nodeName, group);
  }
  for (const group of byNode.values()) group.sort((a, b) => a.name.localeCompare(b.name));
  return byNode;
}

/**
 * The node table after this pass: every node already in it, every node heard from and
 * every node with pods bound. A node's generation never goes back, and never falls
 * behind the one the node says it applied (`reported`, its status' observedGeneration):
 * an agent ignores anything not newer than what it holds, so after a lost store or a new
 * state dir the numbers must carry on above the node's. So a node's generation becomes
 * max(stored, reported) + 1 when its pod set's hash differs from the one its generation
 * stands for, or when the node reports a newer generation than the stored one (then
 * the same set goes out again under a number the agent accepts). Nodes are never
 * dropped, for the same reason.
 */
export function nextNodeTable(
  nodes: Readonly<Record<string, StoredNode>>,
  heard: Iterable<string>,
  podsByNode: ReadonlyMap<string, readonly DesiredPod[]>,
  reported: ReadonlyMap<string, number>,
  entropy: Pick<Entropy, 'newUid' | 'now'>,
): Record<string, StoredNode> {
  const next: Record<string, StoredNode> = { ...nodes };
  for (const name of [...heard, ...podsByNode.keys()]) {
    next[name] ??= { name, uid: entropy.newUid(), creationTimestamp: entropy.now(), generation: 0 };
  }
  for (const [name, node] of Object.entries(next)) {
    const podsHash = podSetHash(podsByNode.get(name) ?? []);
    const applied = reported.get(name) ?? 0;
    if (podsHash !== node.podsHash || applied > node.generation) {
      next[name] = { ...node, generation: Math.max(node.generation, applied) + 1, podsHash };
    }
  }
  return next;
}

export function nodeDesired(node: StoredNode, pods: readonly DesiredPod[]): NodeDesired {
  return { protocol: PROTOCOL_VERSION, node: node.name, generation: node.generation, pods: [...pods] };
}
