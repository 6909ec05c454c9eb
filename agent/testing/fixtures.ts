import type { ContainerSpec } from '../../protocol/manifest.js';
import type { Action, PlanContext, ProbeView, PullView } from '../actions.js';
import { KUBELET_RESTART_BACKOFF } from '../restart-policy.js';
import { podSpecSchema } from '../../protocol/manifest.js';
import type { DesiredPod, NodeDesired } from '../../protocol/messages.js';
import { LABELS } from '../container-labels.js';
import { createSpec, sandboxSpec } from '../container-spec.js';
import type { ActualContainer, ContainerStateName } from '../runtime/runtime.js';

/** Test data for the agent's pure parts: desired pods (defaulted as the schema does) and engine containers. */

export const NODE = 'pi-1';
export const IMAGE = 'baton-test/busybox:1';
export const T0 = Date.parse('2026-01-01T12:00:00Z');

export function pod(name: string, spec: Record<string, unknown> = {}, uid = `uid-${name}`): DesiredPod {
  const parsed = podSpecSchema.parse({ containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }], ...spec });
  return { name, uid, spec: parsed };
}

export function desired(pods: DesiredPod[], generation = 1): NodeDesired {
  return { protocol: 'v1', node: NODE, generation, pods };
}

export function containerOf(p: DesiredPod, name = 'main'): ContainerSpec {
  const spec = p.spec.containers.find((c) => c.name === name);
  if (!spec) throw new Error(`no container ${name}`);
  return spec;
}

let counter = 0;

export interface InstanceOptions {
  state?: ContainerStateName;
  restartCount?: number;
  exitCode?: number;
  /** Epoch ms. */
  startedAt?: number;
  finishedAt?: number;
  createdAt?: number;
  node?: string;
  spec?: ContainerSpec;
  id?: string;
  /** The back-off its restart owes (LABELS.backoff). */
  backoffMs?: number;
  /** The sandbox it joined. */
  sandbox?: { id: string; ip?: string };
  oomKilled?: boolean;
}

/** An engine container made by the agent for container `name` of `p`. */
export function instance(p: DesiredPod, name = 'main', o: InstanceOptions = {}): ActualContainer {
  const spec = o.spec ?? containerOf(p, name);
  const { spec: create } = createSpec({ node: o.node ?? NODE, ...(o.sandbox ? { sandbox: o.sandbox } : {}) }, p, spec, {
    restartCount: o.restartCount ?? 0,
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
  });
  const state = o.state ?? 'running';
  const exited = state === 'exited' || state === 'dead';
  const startedAt = o.startedAt ?? T0 - 60_000;
  return {
    id: o.id ?? `c${String(++counter).padStart(63, '0')}`,
    name: create.name,
    labels: create.labels,
    image: spec.image,
    imageId: 'sha256:1111',
    state,
    createdAt: new Date(o.createdAt ?? startedAt - 1000).toISOString(),
    ...(state !== 'created' ? { startedAt: new Date(startedAt).toISOString() } : {}),
    ...(exited ? { finishedAt: new Date(o.finishedAt ?? T0 - 1000).toISOString(), exitCode: o.exitCode ?? 0 } : {}),
    ...(o.oomKilled ? { oomKilled: true } : {}),
    ...(state === 'running' && o.sandbox === undefined ? { ip: '172.17.0.9' } : {}),
  };
}

/** The running sandbox of `p`, as the agent creates it. */
export function sandboxOf(p: DesiredPod, o: { id?: string; state?: ContainerStateName; ip?: string; node?: string } = {}): ActualContainer {
  const create = sandboxSpec(o.node ?? NODE, p, PAUSE_IMAGE);
  const state = o.state ?? 'running';
  return {
    id: o.id ?? `s${String(++counter).padStart(63, '0')}`,
    name: create.name,
    labels: create.labels,
    image: PAUSE_IMAGE,
    imageId: 'sha256:3333',
    state,
    createdAt: new Date(T0 - 120_000).toISOString(),
    startedAt: new Date(T0 - 120_000).toISOString(),
    ...(state === 'running' ? { ip: o.ip ?? '172.17.0.5' } : { finishedAt: new Date(T0 - 1000).toISOString(), exitCode: 137 }),
  };
}

export const PAUSE_IMAGE = 'baton/pause:test';

/** A container Baton did not make. */
export function foreign(labels: Record<string, string> = {}): ActualContainer {
  return { id: `f${String(++counter).padStart(63, '0')}`, name: 'someone-else', labels, image: IMAGE, imageId: 'sha256:2222', state: 'running', createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString() };
}

/** What the planner's context reads of pulls and probes, given as plain records. */
export interface ContextViews {
  pulls?: Record<string, PullView>;
  satisfied?: string[];
  probes?: Record<string, ProbeView>;
}

export type ContextOverrides = Omit<Partial<PlanContext>, 'pulls' | 'probes'> & ContextViews;

/** A planning context at T0 on NODE with the test image present, kubelet's back-off and no probes or pulls under way. */
export function planContext(overrides: ContextOverrides = {}): PlanContext {
  const { pulls = {} as Record<string, PullView>, satisfied = [], probes = {} as Record<string, ProbeView>, ...rest } = overrides;
  return {
    node: NODE,
    now: T0,
    // The tests' monotonic clock reads as the wall clock, until a test jumps one of them.
    mono: T0,
    exitsSeenAt: new Map(),
    hostIP: '192.168.1.20',
    images: new Set([IMAGE]),
    failures: new Map(),
    backoff: KUBELET_RESTART_BACKOFF,
    pulls: { view: (image) => pulls[image], isSatisfied: (key) => satisfied.includes(key) },
    probes: { view: (id) => probes[id] },
    policy: { allowPrivileged: false },
    sandboxImage: PAUSE_IMAGE,
    ...rest,
  };
}

/** One line per action: what it does, to what, and the restart count for creates. */
export function summarize(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'pull':
        return `pull ${a.pod}/${a.container} ${a.image}`;
      case 'createSandbox':
        return `sandbox ${a.pod}`;
      case 'create':
        return `create ${a.pod}/${a.container} #${a.planned.spec.labels[LABELS.restartCount]}`;
      case 'start':
        return `start ${a.pod}/${a.container} ${a.id.slice(-2)}`;
      case 'kill':
        return `kill ${a.pod}/${a.container} ${a.id.slice(-2)}`;
      case 'remove':
        return `remove ${a.pod}/${a.container || 'sandbox'} ${a.id.slice(-2)}${a.isRunning ? ' running' : ''}`;
      case 'removeVolume':
        return `removeVolume ${a.name}`;
      case 'wait':
        return `wait ${a.pod}/${a.container} +${a.until - T0}ms`;
    }
  });
}
