import type { NodeAllows } from '../protocol/node-allows.js';
import { daemonSetManifestSchema, deploymentManifestSchema, podSpecSchema, type PodSpec } from '../protocol/manifest.js';
import type { NodeStatus } from '../protocol/messages.js';
import type { Taint } from '../protocol/manifest-scheduling.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { viewNode, type NodeView } from './node-view.js';
import { ObservedState } from './observed.js';
import type { Entropy, StoredDaemonSet, StoredDeployment, StoredPod } from './state.js';

/** Builders for the coordinator's unit tests: plain data, deterministic entropy. */

/** Counting uids (`uid-1`), suffixes (`s0001`) and a clock one second per call. */
export function testEntropy(): Entropy & { calls: { now: number; uid: number; suffix: number } } {
  const calls = { now: 0, uid: 0, suffix: 0 };
  return {
    calls,
    now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, calls.now++)).toISOString(),
    newUid: () => `uid-${++calls.uid}`,
    nameSuffix: () => `s${String(++calls.suffix).padStart(4, '0')}`,
  };
}

export function spec(partial: Record<string, unknown> = {}): PodSpec {
  return podSpecSchema.parse({ containers: [{ name: 'app', image: 'busybox:1' }], ...partial });
}

/** A pod spec whose one container requests `requests` (cpu/memory quantities). */
export function specRequesting(requests: { cpu?: string; memory?: string }, extra: Record<string, unknown> = {}): PodSpec {
  return spec({ containers: [{ name: 'app', image: 'busybox:1', resources: { requests } }], ...extra });
}

export function pod(name: string, options: { spec?: PodSpec; nodeName?: string; ownerUid?: string; labels?: Record<string, string>; created?: string } = {}): StoredPod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: options.created ?? '2025-01-01T00:00:00.000Z',
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.ownerUid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid: options.ownerUid }] } : {}),
    },
    spec: options.spec ?? spec(),
    ...(options.nodeName !== undefined ? { nodeName: options.nodeName } : {}),
  };
}

export interface NodeOptions {
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
  state?: 'online' | 'offline';
  ready?: boolean;
  taints?: Taint[];
  allows?: NodeAllows;
}

/**
 * A node's status as its agent publishes it. Offline is what the wire carries: the last
 * will (or the AgentStopped goodbye) with no labels or resources; the coordinator keeps
 * the node's facts from its last online status (ObservedState).
 */
export function nodeStatus(name: string, options: NodeOptions = {}): NodeStatus {
  if (options.state === 'offline') return { protocol: PROTOCOL_VERSION, node: name, state: 'offline', reason: 'ConnectionLost' };
  return {
    protocol: PROTOCOL_VERSION,
    node: name,
    state: 'online',
    labels: options.labels ?? {},
    ...(options.taints ? { taints: options.taints } : {}),
    ...(options.allows ? { allows: options.allows } : {}),
    allocatable: { cpu: options.cpu ?? '4', memory: options.memory ?? '4Gi', pods: options.pods ?? '110' },
    conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
  };
}

/** The view of a node whose status is `nodeStatus(name, options)` (offline: as first heard, no facts). */
export function node(name: string, options: NodeOptions = {}): NodeView {
  return viewNode(name, nodeStatus(name, options), false);
}

/** The view of a node seen online with `options`, then offline (its will), through ObservedState. */
export function nodeGoneOffline(name: string, options: Omit<NodeOptions, 'state'> = {}): NodeView {
  const observed = new ObservedState();
  observed.setNodeStatus(nodeStatus(name, options));
  observed.setNodeStatus(nodeStatus(name, { state: 'offline' }));
  return viewNode(name, observed.nodeStatuses.get(name), false);
}

const template = (labels: Record<string, string>, podSpec: Record<string, unknown>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image: 'busybox:1' }], ...podSpec },
});

export function deployment(name: string, replicas: number, options: { podSpec?: Record<string, unknown>; uid?: string; generation?: number } = {}): StoredDeployment {
  const manifest = deploymentManifestSchema.parse({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template({ app: name }, options.podSpec ?? {}) },
  });
  return {
    ...manifest,
    metadata: { name, namespace: 'default', uid: options.uid ?? `uid-${name}`, creationTimestamp: '2025-01-01T00:00:00.000Z', generation: options.generation ?? 1 },
  };
}

export function daemonSet(name: string, options: { podSpec?: Record<string, unknown>; uid?: string } = {}): StoredDaemonSet {
  const manifest = daemonSetManifestSchema.parse({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: template({ app: name }, options.podSpec ?? {}) },
  });
  return {
    ...manifest,
    metadata: { name, namespace: 'default', uid: options.uid ?? `uid-${name}`, creationTimestamp: '2025-01-01T00:00:00.000Z', generation: 1 },
  };
}
