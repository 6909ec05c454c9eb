import { describe, expect, it } from 'vitest';
import { createLogger } from '../protocol/log.js';
import type { NodeDesired } from '../protocol/messages.js';
import type { Action, ProbeView, StepFailure } from './actions.js';
import { LABELS } from './container-labels.js';
import type { EventSink } from './event-sink.js';
import { Executor } from './execute.js';
import { ownContainers, plan } from './plan.js';
import { derivePodStatus } from './pod-status.js';
import { ImagePuller } from './pulls/image-puller.js';
import { KUBELET_RESTART_BACKOFF } from './restart-policy.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import { desired, IMAGE, NODE, PAUSE_IMAGE, pod, T0 } from './testing/fixtures.js';

/**
 * "Converges in N passes": the planner's actions applied to the fake runtime by the real
 * executor and the real background puller, pass after pass, until a pass has nothing
 * left to do.
 */

const log = createLogger('test', 'silent');

class World {
  now = T0;
  readonly runtime: FakeRuntime;
  readonly failures = new Map<string, StepFailure>();
  readonly events: { reason: string; pod?: string; message: string }[] = [];
  readonly probes = new Map<string, ProbeView>();
  readonly puller: ImagePuller;
  readonly executor: Executor;

  constructor(options: { pullable?: string[]; images?: string[] } = {}, runtime?: FakeRuntime) {
    this.runtime = runtime ?? new FakeRuntime({ images: options.images ?? [IMAGE], pullable: options.pullable ?? [], now: () => new Date(this.now) });
    const sink: EventSink = { emit: (e) => this.events.push(e) };
    this.puller = new ImagePuller({ runtime: this.runtime, events: sink, log, clock: { wall: () => this.now, mono: () => this.now }, onChange: () => undefined, backoff: KUBELET_RESTART_BACKOFF });
    this.executor = new Executor({
      runtime: this.runtime,
      events: sink,
      failures: this.failures,
      log,
      now: () => this.now,
      backoff: KUBELET_RESTART_BACKOFF,
      puller: this.puller,
      ensureSandboxImage: async () => {
        if (!(await this.runtime.inspectImage(PAUSE_IMAGE))) await this.runtime.importImage(Buffer.alloc(0), PAUSE_IMAGE, {});
      },
      prepareHostPath: async () => 'directory',
    });
  }

  async actual() {
    return this.runtime.listContainers({ key: LABELS.node, value: NODE });
  }

  async images(d: NodeDesired): Promise<Set<string>> {
    const all = d.pods.flatMap((p) => p.spec.containers.map((c) => c.image));
    const present = await Promise.all(all.map(async (i) => ((await this.runtime.inspectImage(i)) ? i : undefined)));
    return new Set(present.filter((i): i is string => i !== undefined));
  }

  async context(d: NodeDesired) {
    return {
      node: NODE,
      now: this.now,
      mono: this.now,
      exitsSeenAt: new Map<string, number>(),
      images: await this.images(d),
      failures: this.failures,
      backoff: KUBELET_RESTART_BACKOFF,
      pulls: this.puller,
      probes: { view: (id: string) => this.probes.get(id) },
      policy: { allowPrivileged: false },
      sandboxImage: PAUSE_IMAGE,
    };
  }

  async plan(d: NodeDesired): Promise<Action[]> {
    const volumes = await this.runtime.listVolumes({ key: LABELS.node, value: NODE });
    return plan(d, await this.actual(), volumes, await this.context(d));
  }

  /** One pass: plan and execute, and let background pulls finish; returns the actions that changed something. */
  async pass(d: NodeDesired): Promise<Action[]> {
    const actions = await this.plan(d);
    await this.executor.execute(actions);
    await this.executor.settled();
    await this.pullsDone(d);
    return actions.filter((a) => a.type !== 'wait');
  }

  /** The fake engine answers pulls at once; a few turns of the event loop see them through. */
  async pullsDone(d: NodeDesired): Promise<void> {
    const images = d.pods.flatMap((p) => p.spec.containers.map((c) => c.image));
    for (let turn = 0; turn < 100 && images.some((i) => this.puller.view(i)?.inFlight); turn++) await new Promise((r) => setImmediate(r));
  }

  /** Passes until one has nothing to do; returns how many passes did something. */
  async converge(d: NodeDesired, limit = 10): Promise<number> {
    for (let n = 0; n < limit; n++) {
      if ((await this.pass(d)).length === 0) return n;
    }
    throw new Error(`did not converge in ${limit} passes`);
  }

  async statuses(d: NodeDesired) {
    const ours = ownContainers(await this.actual(), NODE);
    const context = await this.context(d);
    return d.pods.map((p) => derivePodStatus(p, ours, { ...context, runtimeScheme: 'docker' }));
  }
}

const twoContainers = pod('app', { containers: [{ name: 'web', image: IMAGE }, { name: 'sidecar', image: IMAGE }] });

describe('converges', () => {
  it('from nothing to three running pods in 2 passes (the pod of two containers gets its sandbox first)', async () => {
    const world = new World();
    const d = desired([pod('a'), pod('b'), twoContainers]);
    expect(await world.converge(d)).toBe(2);
    const actual = await world.actual();
    expect(actual.map((c) => c.state)).toEqual(['running', 'running', 'running', 'running', 'running']);
    expect(actual.filter((c) => c.labels[LABELS.role] === 'sandbox').map((c) => c.image)).toEqual([PAUSE_IMAGE]);
    expect((await world.statuses(d)).map((s) => s.phase)).toEqual(['Running', 'Running', 'Running']);
    // Pods run side by side, so their events interleave.
    expect(world.events.map((e) => e.reason).sort()).toEqual(['Created', 'Created', 'Created', 'Created', 'Pulled', 'Pulled', 'Pulled', 'Pulled', 'Started', 'Started', 'Started', 'Started']);
    expect(world.events.find((e) => e.reason === 'Pulled')?.message).toBe(`Container image "${IMAGE}" already present on machine`);
  });

  it('the containers of a pod join its sandbox, whose death replaces them, the counts going on', async () => {
    const world = new World();
    const d = desired([twoContainers]);
    await world.converge(d);
    const sandbox = (await world.actual()).find((c) => c.labels[LABELS.role] === 'sandbox');
    if (!sandbox) throw new Error('no sandbox');
    const apps = (await world.actual()).filter((c) => c.labels[LABELS.role] === undefined);
    expect(apps.map((c) => world.runtime.specOf(c.id)?.network)).toEqual([{ mode: 'container', id: sandbox.id }, { mode: 'container', id: sandbox.id }]);
    world.runtime.exit(sandbox.id, 137);
    expect(await world.converge(d)).toBe(2);
    const after = await world.actual();
    expect(after).toHaveLength(3);
    expect(after.map((c) => c.id)).not.toContain(sandbox.id);
    expect(after.filter((c) => c.labels[LABELS.role] === undefined).map((c) => c.labels[LABELS.restartCount])).toEqual(['1', '1']);
  });

  it('after a spec change, in 1 pass, to one new container', async () => {
    const world = new World();
    await world.converge(desired([pod('a')]));
    const [before] = await world.actual();
    expect(await world.converge(desired([pod('a', { containers: [{ name: 'main', image: IMAGE, args: ['v2'] }] })], 2))).toBe(1);
    const after = await world.actual();
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(before?.id);
    expect(after[0]?.labels[LABELS.restartCount]).toBe('1');
  });

  it('after an agent restart, in 0 passes: running containers are adopted', async () => {
    const first = new World();
    const d = desired([pod('a'), twoContainers]);
    await first.converge(d);
    const calls = first.runtime.calls.length;
    const restarted = new World({}, first.runtime); // a new agent: no memory, same engine
    expect(await restarted.converge(d)).toBe(0);
    expect(first.runtime.calls.length).toBe(calls);
  });

  it('after an agent killed between creating and starting a sandbox, in 2 passes: that sandbox is started, nothing made twice', async () => {
    const first = new World();
    const d = desired([twoContainers]);
    const [make] = await first.plan(d);
    if (make?.type !== 'createSandbox') throw new Error('expected the sandbox first');
    await first.runtime.importImage(Buffer.alloc(0), PAUSE_IMAGE, {});
    const made = await first.runtime.createContainer(make.spec); // ... and the agent dies here
    const restarted = new World({}, first.runtime);
    expect(await restarted.converge(d)).toBe(2);
    const after = await restarted.actual();
    expect(after.map((c) => c.state)).toEqual(['running', 'running', 'running']);
    expect(after.filter((c) => c.labels[LABELS.role] === 'sandbox').map((c) => c.id)).toEqual([made]);
  });

  it('after every pod is removed, in 1 pass, leaving a foreign container alone', async () => {
    const world = new World();
    await world.converge(desired([pod('a'), twoContainers]));
    await world.runtime.createContainer({ name: 'foreign', image: IMAGE, labels: { other: 'x' }, env: [], ports: [] });
    // The containers first, then the sandbox, so they keep their network while they stop.
    expect(await world.converge(desired([], 2))).toBe(2);
    expect(await world.actual()).toEqual([]);
    expect(await world.runtime.listContainers({ key: 'other', value: 'x' })).toHaveLength(1);
  });

  it('a crash-looping container restarts at once, then backs off 10 s, 20 s, ... keeping its count', async () => {
    const world = new World();
    const d = desired([pod('crash', { containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'exit 1'] }] })]);
    expect(await world.pass(d)).toHaveLength(1); // created, started, exited at once
    expect((await world.actual())[0]).toMatchObject({ state: 'exited', exitCode: 1 });
    expect((await world.pass(d)).map((a) => a.type)).toEqual(['create', 'remove']); // the first restart is at once

    const waits: number[] = [];
    for (let restart = 2; restart <= 5; restart++) {
      const exitedAt = world.now;
      const [waiting] = await world.statuses(d);
      expect(waiting?.containerStatuses[0]).toMatchObject({ restartCount: restart - 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
      expect(waiting?.phase).toBe('Running');
      // Step the clock a second at a time until the container is restarted.
      while ((await world.pass(d)).length === 0) world.now += 1000;
      waits.push((world.now - exitedAt) / 1000);
      expect((await world.actual())[0]?.labels[LABELS.restartCount]).toBe(String(restart));
    }
    expect(waits).toEqual([10, 20, 40, 80]);
    expect(world.events.filter((e) => e.reason === 'BackOff')).toHaveLength(4);
  });

  it('a failed pull backs off, then the pod runs', async () => {
    const world = new World({ images: [] });
    const d = desired([pod('a')]);
    await world.pass(d);
    expect(world.runtime.calls.filter((c) => c.startsWith('pull'))).toHaveLength(1);
    const [failed] = await world.statuses(d);
    expect(failed?.phase).toBe('Pending');
    expect(failed?.containerStatuses[0]?.state.waiting?.reason).toBe('ErrImagePull');
    expect(world.events.map((e) => e.reason)).toEqual(['Pulling', 'Failed']);

    world.now += 2000;
    expect(await world.pass(d)).toEqual([]);
    expect((await world.statuses(d))[0]?.containerStatuses[0]?.state.waiting?.reason).toBe('ImagePullBackOff');
    world.runtime.allowPull(IMAGE);
    world.now += 8000;
    expect(await world.converge(d)).toBe(2); // pull, then create
    expect((await world.statuses(d))[0]?.phase).toBe('Running');
    expect(world.runtime.calls.filter((c) => c.startsWith('pull'))).toHaveLength(2);
  });

  it('an absent image under policy Never waits, with one ErrImageNeverPull warning however many passes', async () => {
    const world = new World({ images: [] });
    const d = desired([pod('local', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Never' }] })]);
    expect(await world.pass(d)).toEqual([]);
    expect(await world.pass(d)).toEqual([]);
    expect(world.events.map((e) => e.reason)).toEqual(['ErrImageNeverPull']);
    expect((await world.statuses(d))[0]?.containerStatuses[0]?.state.waiting?.reason).toBe('ErrImageNeverPull');
    world.runtime.addImage(IMAGE);
    expect(await world.converge(d)).toBe(1);
    expect((await world.statuses(d))[0]?.phase).toBe('Running');
  });

  it('a container that fails its liveness probe is stopped, then restarted, counted', async () => {
    const world = new World();
    const d = desired([pod('live', { containers: [{ name: 'main', image: IMAGE, livenessProbe: { exec: { command: ['ok'] } } }] })]);
    await world.converge(d);
    const [c] = await world.actual();
    if (!c) throw new Error('no container');
    world.probes.set(c.id, { started: true, ready: true, failed: { probe: 'liveness', message: 'exit 1' } });
    expect((await world.pass(d)).map((a) => a.type)).toEqual(['kill']);
    expect(world.events.find((e) => e.reason === 'Killing')?.message).toBe('Container main failed liveness probe, will be restarted');
    expect(await world.converge(d)).toBe(1);
    expect((await world.actual())[0]?.labels[LABELS.restartCount]).toBe('1');
  });

  it('an emptyDir lives as long as its pod', async () => {
    const world = new World();
    const withDir = pod('cache', { containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] });
    await world.converge(desired([withDir]));
    expect(await world.runtime.listVolumes({ key: LABELS.node, value: NODE })).toHaveLength(1);
    expect(await world.converge(desired([], 2))).toBe(2); // the container, then its volume
    expect(await world.runtime.listVolumes({ key: LABELS.node, value: NODE })).toEqual([]);
  });

  it('a removed pod that is slow to stop holds up no other pod', async () => {
    const world = new World();
    await world.converge(desired([pod('old')]));
    const release = world.runtime.holdStops();
    const d = desired([pod('new')], 2);
    const first = await world.plan(d);
    await world.executor.execute(first); // returns while old is still stopping
    const states = async () => Object.fromEntries((await world.actual()).map((c) => [c.labels[LABELS.pod], c.state]));
    expect(await states()).toEqual({ old: 'running', new: 'running' });
    await world.executor.execute(await world.plan(d)); // the stop under way is not begun again
    expect(world.runtime.calls.filter((c) => c.startsWith('stop'))).toHaveLength(1);
    release();
    await world.executor.settled();
    expect(await states()).toEqual({ new: 'running' });
  });

  it('a pod whose changed spec waits out a long stop holds up no other pod\'s restart', async () => {
    const world = new World();
    const crash = pod('crash', { containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'exit 1'] }] });
    await world.converge(desired([pod('slow'), crash]));
    const release = world.runtime.holdStops();
    world.now += 10_000; // the crashing pod's back-off is over
    const changed = desired([pod('slow', { containers: [{ name: 'main', image: IMAGE, args: ['v2'] }] }), crash], 2);
    const before = (await world.actual()).filter((c) => c.labels[LABELS.pod] === 'crash').map((c) => c.labels[LABELS.restartCount]);
    await world.executor.execute(await world.plan(changed)); // returns while slow is still stopping
    const after = (await world.actual()).filter((c) => c.labels[LABELS.pod] === 'crash').map((c) => c.labels[LABELS.restartCount]);
    expect(Number(after[0])).toBeGreaterThan(Number(before[0]));
    await world.executor.execute(await world.plan(changed)); // the busy pod is not planned into again
    expect(world.runtime.calls.filter((c) => c.startsWith('stop'))).toHaveLength(1);
    release();
    await world.executor.settled();
    expect(await world.converge(changed)).toBeLessThanOrEqual(2);
    expect((await world.actual()).filter((c) => c.labels[LABELS.pod] === 'slow').map((c) => c.labels[LABELS.restartCount])).toEqual(['1']);
  });

  it('repeating a pass whose results were lost does no harm (idempotent steps)', async () => {
    const world = new World();
    const d = desired([pod('a')]);
    const actions = await world.plan(d);
    await world.executor.execute(actions);
    await world.executor.execute(actions); // as after a crash before re-listing
    expect(await world.actual()).toHaveLength(1);
    expect(world.failures.size).toBe(0);
    expect(await world.converge(d)).toBe(0);
  });
});
