import { describe, expect, it } from 'vitest';
import { deploymentManifestSchema } from '../../protocol/manifest.js';
import type { StoredDeployment, StoredPod } from '../state.js';
import { deployment } from '../test-fixtures.js';
import { DeploymentWorld, type PassRecord } from './deployment-world.js';

/**
 * The Deployment controller run pass after pass over a simulated fleet until it
 * converges (deployment-world.ts), with its bounds checked after every pass.
 */

function web(replicas: number, version: number, strategy?: unknown): StoredDeployment {
  const d = deployment('web', replicas, { podSpec: { containers: [{ name: 'app', image: `busybox:${version}` }] } });
  if (strategy === undefined) return d;
  return { ...d, spec: deploymentManifestSchema.shape.spec.parse({ ...d.spec, strategy }) };
}

/**
 * The bounds of every pass: a pass never leaves fewer Ready pods than the minimum
 * available (unless there were fewer before, and then it removes none of them), and
 * never creates past `replicas + maxSurge` counted pods.
 */
function expectBounds(record: PassRecord): void {
  const where = `pass ${record.pass}`;
  expect(record.readyKept, `${where}: ready pods kept`).toBeGreaterThanOrEqual(Math.min(record.readyBefore, record.minAvailable));
  expect(record.countedAfter, `${where}: counted pods`).toBeLessThanOrEqual(Math.max(record.countedBefore, record.replicas + record.maxSurge));
}

/** Steps until idle; returns the passes taken. Every pass of the world so far is held to its bounds. */
function converge(world: DeploymentWorld, limit = 50): number {
  const passes = world.converge(limit);
  for (const record of world.history) expectBounds(record);
  return passes;
}

const images = (pods: StoredPod[]): string[] => pods.map((p) => p.spec.containers[0]?.image ?? '').sort();

function settled(d: StoredDeployment, nodes = ['n1', 'n2', 'n3'], options: ConstructorParameters<typeof DeploymentWorld>[2] = {}): DeploymentWorld {
  const world = new DeploymentWorld(d, nodes, options);
  world.converge();
  expect(world.withAvailability('ready')).toHaveLength(d.spec.replicas);
  return world;
}

describe('a rolling update converges within its bounds', () => {
  // Pods report Ready the pass after they are bound. 3 replicas at 25%/25% may surge by
  // one and lose none: create one (pass 0), it is Ready and an old one goes (1), and so
  // on: 6 passes of work and an idle one. Counts include that idle pass.
  it.each<[string, number, unknown, number]>([
    ['3 replicas, 25%/25% (one at a time, none unavailable)', 3, undefined, 7],
    ['4 replicas, 25%/25%', 4, undefined, 5],
    ['10 replicas, 25%/25%', 10, undefined, 5],
    ['1 replica, 25%/25%', 1, undefined, 3],
    ['5 replicas, maxSurge 0, maxUnavailable 1', 5, { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, 11],
    ['5 replicas, maxSurge 2, maxUnavailable 0', 5, { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } }, 7],
    ['4 replicas, 100%/100% (all at once)', 4, { rollingUpdate: { maxSurge: '100%', maxUnavailable: '100%' } }, 2],
  ])('%s', (_, replicas, strategy, passes) => {
    const world = settled(web(replicas, 1, strategy));
    world.deployment = web(replicas, 2, strategy);
    expect(converge(world)).toBe(passes);
    expect(world.all()).toHaveLength(replicas);
    expect(images(world.withAvailability('ready'))).toEqual(Array<string>(replicas).fill('busybox:2'));
    expect(world.old()).toEqual([]);
  });

  it('keeps every replica Ready throughout when maxUnavailable is 0', () => {
    const world = settled(web(5, 1, { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    world.deployment = web(5, 2, { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    converge(world);
    for (const record of world.history.slice(-10)) expect(record.readyKept).toBeGreaterThanOrEqual(5);
  });
});

describe('a rollout to an image that never becomes Ready', () => {
  it('stalls with the old pods serving, and a rollback converges', () => {
    const world = settled(web(4, 1));
    world.deployment = web(4, 2);
    world.markBad();
    converge(world);
    // Stalled: 3 old Ready pods (the minimum available), 2 new ones not Ready (the surge).
    for (let i = 0; i < 20; i++) expect(world.step().result).toEqual({ create: [], delete: [] });
    expect(images(world.withAvailability('ready'))).toEqual(['busybox:1', 'busybox:1', 'busybox:1']);
    expect(images(world.withAvailability('notReady'))).toEqual(['busybox:2', 'busybox:2']);

    world.deployment = web(4, 1);
    converge(world);
    expect(images(world.all())).toEqual(['busybox:1', 'busybox:1', 'busybox:1', 'busybox:1']);
    expect(world.withAvailability('ready')).toHaveLength(4);
  });

  it('with 3 replicas and 25%/25%, keeps all 3 old pods and one new one', () => {
    const world = settled(web(3, 1));
    world.deployment = web(3, 2);
    world.markBad();
    converge(world);
    expect(images(world.all())).toEqual(['busybox:1', 'busybox:1', 'busybox:1', 'busybox:2']);
  });
});

describe('scaling', () => {
  it('scales up, then down keeping the spread, within bounds', () => {
    const world = settled(web(3, 1));
    world.deployment = web(5, 1);
    expect(converge(world)).toBe(2);
    expect(world.withAvailability('ready')).toHaveLength(5);
    world.deployment = web(2, 1);
    expect(converge(world)).toBe(2);
    const nodes = world.all().map((p) => p.nodeName);
    expect(nodes).toHaveLength(2);
    expect(new Set(nodes).size).toBe(2);
  });
});

describe('a lost node', () => {
  /** 3 replicas settled one per node; n3's pod becomes lost. */
  function lostOnN3(options: ConstructorParameters<typeof DeploymentWorld>[2] = {}) {
    const world = settled(web(3, 1), ['n1', 'n2', 'n3'], options);
    const original = world.all().find((p) => p.nodeName === 'n3')!;
    world.setNode('n3', 'lost');
    return { world, original: original.metadata.name };
  }

  it('replaces the lost pod elsewhere and lets it go once the replacement is Ready; nothing duplicates when the node returns', () => {
    const { world, original } = lostOnN3();
    const first = world.step();
    expect(first.result.create).toHaveLength(1);
    expect(first.result.delete).toEqual([]);
    expect(world.pods.has(original)).toBe(true);
    converge(world);
    expect(world.pods.has(original)).toBe(false);
    world.setNode('n3', 'online');
    converge(world);
    expect(world.all()).toHaveLength(3);
    expect(world.withAvailability('ready')).toHaveLength(3);
  });

  it('keeps the healthy original when its node returns before the replacement is Ready', () => {
    const { world, original } = lostOnN3({ readyAfter: 3 });
    world.step(); // the replacement is created and bound, not Ready yet
    world.setNode('n3', 'online');
    converge(world);
    expect(world.pods.has(original)).toBe(true);
    expect(world.all()).toHaveLength(3);
    expect(world.withAvailability('ready')).toHaveLength(3);
  });

  it('keeps the Ready replacement when the node returns as it becomes Ready', () => {
    const { world, original } = lostOnN3({ readyAfter: 2 });
    world.step(); // the replacement is bound
    world.step(); // not Ready yet: the original is still kept
    expect(world.pods.has(original)).toBe(true);
    world.setNode('n3', 'online'); // back, not reporting its pod yet
    const returned = world.step();
    expect(returned.result.delete).toEqual([original]);
    converge(world);
    expect(world.all()).toHaveLength(3);
    expect(world.withAvailability('ready')).toHaveLength(3);
  });
});

describe('a node that is offline but not lost', () => {
  it('changes nothing: its pods are unknown, neither replaced nor deleted', () => {
    const world = settled(web(3, 1));
    world.setNode('n3', 'offline');
    for (let i = 0; i < 5; i++) expect(world.step().result).toEqual({ create: [], delete: [] });
    world.setNode('n3', 'online');
    converge(world);
    expect(world.withAvailability('ready')).toHaveLength(3);
  });

  it('lets an update move on around it: its old pod, not serving, is the first to make way once availability allows', () => {
    const world = settled(web(4, 1), ['n1', 'n2', 'n3', 'n4']);
    const onN4 = world.all().find((p) => p.nodeName === 'n4')!.metadata.name;
    world.setNode('n4', 'offline');
    world.deployment = web(4, 2);
    // Pass 0 may delete nothing old: 3 are available, the minimum, and the unknown pod
    // is never deleted as unhealthy. Pass 1: the surge pod is Ready, one old pod may go.
    expect(world.step().result.delete).toEqual([]);
    expect(world.step().result.delete).toEqual([onN4]);
    converge(world);
    expect(images(world.withAvailability('ready'))).toEqual(Array<string>(4).fill('busybox:2'));
    world.setNode('n4', 'online');
    expect(converge(world)).toBe(1);
  });
});

describe('a lost node holding two replicas', () => {
  it('keeps both originals when the node returns before the replacements are Ready, and ends with exactly replicas', () => {
    const world = settled(web(6, 1), ['n1', 'n2', 'n3'], { readyAfter: 3 });
    const originals = world.all().filter((p) => p.nodeName === 'n3').map((p) => p.metadata.name);
    expect(originals).toHaveLength(2);
    world.setNode('n3', 'lost');
    expect(world.step().result.create).toHaveLength(2);
    world.setNode('n3', 'online');
    converge(world);
    expect(world.all()).toHaveLength(6);
    for (const name of originals) expect(world.pods.has(name)).toBe(true);
    expect(world.withAvailability('ready')).toHaveLength(6);
  });
});

describe('Recreate', () => {
  it('deletes every old pod, waits for them to stop, then creates the new ones', () => {
    const world = settled(web(3, 1, { type: 'Recreate' }), ['n1', 'n2', 'n3'], { stopPasses: 3 });
    world.deployment = web(3, 2, { type: 'Recreate' });
    const first = world.step();
    expect(first.result.create).toEqual([]);
    expect(first.result.delete).toHaveLength(3);
    const waits = [world.step(), world.step()];
    for (const pass of waits) expect(pass.result).toEqual({ create: [], delete: [] });
    expect(world.terminating()).toBe(0);
    expect(world.step().result.create).toHaveLength(3);
    converge(world);
    expect(images(world.withAvailability('ready'))).toEqual(['busybox:2', 'busybox:2', 'busybox:2']);
  });
});
