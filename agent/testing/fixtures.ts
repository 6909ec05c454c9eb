import type { ContainerSpec } from '../../protocol/manifest.js';
import { podSpecSchema } from '../../protocol/manifest.js';
import type { DesiredPod, NodeDesired } from '../../protocol/messages.js';
import { createSpec } from '../container-spec.js';
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
}

/** An engine container made by the agent for container `name` of `p`. */
export function instance(p: DesiredPod, name = 'main', o: InstanceOptions = {}): ActualContainer {
  const spec = o.spec ?? containerOf(p, name);
  const create = createSpec(o.node ?? NODE, p, spec, { restartCount: o.restartCount ?? 0 });
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
    ...(state === 'running' ? { ip: '172.17.0.9' } : {}),
  };
}

/** A container Baton did not make. */
export function foreign(labels: Record<string, string> = {}): ActualContainer {
  return { id: `f${String(++counter).padStart(63, '0')}`, name: 'someone-else', labels, image: IMAGE, imageId: 'sha256:2222', state: 'running', createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString() };
}
