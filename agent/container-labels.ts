import { createHash } from 'node:crypto';
import { contentHash } from '../protocol/canonical-json.js';
import { decodePayload } from '../protocol/codec.js';
import type { ContainerSpec, PodSpec } from '../protocol/manifest.js';
import { containerStatusSchema, type ContainerState } from '../protocol/messages.js';
import type { ActualContainer } from './runtime/runtime.js';

/**
 * Docker labels are the agent's only record of what it runs: on start it rebuilds its
 * picture of every pod from them. A container without `io.baton.node` was not made by
 * Baton; one with another node's name belongs to another agent. Neither is ever touched.
 */
export const LABELS = {
  node: 'io.baton.node',
  pod: 'io.baton.pod',
  podUid: 'io.baton.pod-uid',
  container: 'io.baton.container',
  specHash: 'io.baton.spec-hash',
  /** How many times this container was restarted before this instance (kubelet's restartCount). */
  restartCount: 'io.baton.restart-count',
  /** The pod's terminationGracePeriodSeconds, needed to stop it after it left the desired state. */
  gracePeriod: 'io.baton.grace-period',
  /** The previous instance's terminated state (JSON), reported as `lastState`. */
  lastState: 'io.baton.last-state',
  /**
   * Milliseconds the restart after this instance exits must wait (kubelet's back-off
   * entry); absent on a first instance, whose restart is at once.
   */
  backoff: 'io.baton.backoff',
  /** `sandbox` on a pod's sandbox container (the holder of its network namespace). */
  role: 'io.baton.role',
  /** On a container that joined its pod's sandbox: the sandbox's container ID. */
  sandbox: 'io.baton.sandbox',
  /** On a volume: the pod volume's name. */
  volume: 'io.baton.volume',
} as const;

/** The container name of every pod sandbox; no user container can have it (names are lowercase). */
export const SANDBOX_CONTAINER = 'POD';

/** A container Baton created, with its labels read. */
export interface PodContainer {
  readonly actual: ActualContainer;
  readonly node: string;
  readonly pod: string;
  readonly podUid: string;
  readonly container: string;
  readonly specHash: string;
  readonly restartCount: number;
  readonly gracePeriodSeconds: number;
  readonly lastState?: ContainerState;
  /** True for the pod's sandbox (its `container` is SANDBOX_CONTAINER). */
  readonly isSandbox: boolean;
  /** The sandbox this container joined; absent for a pod without one. */
  readonly sandboxId?: string;
  /** The wait owed before restarting after this instance exits (LABELS.backoff). */
  readonly backoffMs?: number;
}

const DEFAULT_GRACE_SECONDS = 30;

/** Reads a container's Baton labels; undefined if it is not a well-formed Baton container. */
export function readLabels(actual: ActualContainer): PodContainer | undefined {
  const l = actual.labels;
  const node = l[LABELS.node];
  const pod = l[LABELS.pod];
  const podUid = l[LABELS.podUid];
  const container = l[LABELS.container];
  const specHash = l[LABELS.specHash];
  if (!node || !pod || !podUid || !container || !specHash) return undefined;
  const restartCount = Number(l[LABELS.restartCount] ?? '0');
  const grace = Number(l[LABELS.gracePeriod] ?? DEFAULT_GRACE_SECONDS);
  const lastStateText = l[LABELS.lastState];
  const lastState = lastStateText ? decodePayload(containerStatusSchema.shape.state, lastStateText) : undefined;
  const backoff = Number(l[LABELS.backoff] ?? NaN);
  const sandboxId = l[LABELS.sandbox];
  return {
    actual,
    node,
    pod,
    podUid,
    container,
    specHash,
    restartCount: Number.isInteger(restartCount) && restartCount >= 0 ? restartCount : 0,
    gracePeriodSeconds: Number.isInteger(grace) && grace >= 0 ? grace : DEFAULT_GRACE_SECONDS,
    ...(lastState?.ok ? { lastState: lastState.value } : {}),
    isSandbox: l[LABELS.role] === 'sandbox',
    ...(sandboxId ? { sandboxId } : {}),
    ...(Number.isFinite(backoff) && backoff > 0 ? { backoffMs: backoff } : {}),
  };
}

/**
 * The hash of a container's spec (after defaulting). A container whose hash differs
 * from its desired spec's is replaced. A new defaulted field in a later protocol
 * version changes every hash and so replaces every container once.
 */
export function specHash(spec: ContainerSpec, pod?: PodSpec): string {
  // The pod-level settings a container depends on join the hash only when set, so the
  // hash of a container that uses none stays what it was before they existed.
  const volumeNames = new Set((spec.volumeMounts ?? []).map((m) => m.name));
  const volumes = (pod?.volumes ?? []).filter((v) => volumeNames.has(v.name));
  const podPart = { ...(pod?.hostNetwork ? { hostNetwork: true } : {}), ...(volumes.length > 0 ? { volumes } : {}) };
  return contentHash(Object.keys(podPart).length > 0 ? { ...spec, pod: podPart } : spec).slice(0, 16);
}

/**
 * `baton_<node>_<pod>_<container>_<hash>_<restarts>`: deterministic, so a create that
 * is repeated after a lost reply finds its own container by name.
 */
export function containerName(node: string, pod: string, container: string, podUid: string, hash: string, restartCount: number): string {
  const unique = createHash('sha256').update(`${podUid}/${hash}`).digest('hex').slice(0, 10);
  return `baton_${node}_${pod}_${container}_${unique}_${restartCount}`;
}
