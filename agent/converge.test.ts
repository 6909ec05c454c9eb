import { describe, expect, it } from 'vitest';
import { createLogger } from '../protocol/log.js';
import type { NodeDesired } from '../protocol/messages.js';
import { LABELS } from './container-labels.js';
import { Executor, type EventSink } from './execute.js';
import { ownContainers, plan, type Action, type StepFailure } from './plan.js';
import { derivePodStatus } from './pod-status.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import { desired, IMAGE, NODE, pod, T0 } from './testing/fixtures.js';

/**
 * "Converges in N passes": the planner's actions applied to the fake runtime by the real
 * executor, pass after pass, until a pass has nothing left to do.
 */

const INTERVAL = 10_000;

class World {
  now = T0;
  readonly runtime: FakeRuntime;
  readonly failures = new Map<string, StepFailure>();
  readonly events: { reason: string; pod?: string }[] = [];
  readonly executor: Executor;

  constructor(options: { pullable?: string[]; images?: string[] } = {}, runtime?: FakeRuntime) {
    this.runtime = runtime ?? new FakeRuntime({ images: options.images ?? [IMAGE], pullable: options.pullable ?? [], now: () => new Date(this.now) });
    const sink: EventSink = { emit: (e) => this.events.push(e) };
    this.executor = new Executor({ runtime: this.runtime, events: sink, failures: this.failures, log: createLogger('test', 'silent'), now: () => this.now });
  }

  async actual() {
    return this.runtime.listContainers({ key: LABELS.node, value: NODE });
  }

  async images(d: NodeDesired): Promise<Set<string>> {
    const all = d.pods.flatMap((p) => p.spec.containers.map((c) => c.image));
    const present = await Promise.all(all.map(async (i) => ((await this.runtime.inspectImage(i)) ? i : undefined)));
    return new Set(present.filter((i): i is string => i !== undefined));
  }

  async plan(d: NodeDesired): Promise<Action[]> {
    return plan(d, await this.actual(), { node: NODE, now: this.now, images: await this.images(d), failures: this.failures, retryIntervalMs: INTERVAL });
  }

  /** One pass: plan and execute; returns the actions that changed something. */
  async pass(d: NodeDesired): Promise<Action[]> {
    const actions = await this.plan(d);
    await this.executor.execute(actions);
    await this.executor.settled();
    return actions.filter((a) => a.type !== 'wait');
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
    const images = await this.images(d);
    return d.pods.map((p) => derivePodStatus(p, ours, { now: this.now, images, failures: this.failures, retryIntervalMs: INTERVAL, runtimeScheme: 'docker' }));
  }
}

const twoContainers = pod('app', { containers: [{ name: 'web', image: IMAGE }, { name: 'sidecar', image: IMAGE }] });

describe('converges', () => {
  it('from nothing to three running pods in 1 pass', async () => {
    const world = new World();
    const d = desired([pod('a'), pod('b'), twoContainers]);
    expect(await world.converge(d)).toBe(1);
    const actual = await world.actual();
    expect(actual.map((c) => c.state)).toEqual(['running', 'running', 'running', 'running']);
    expect((await world.statuses(d)).map((s) => s.phase)).toEqual(['Running', 'Running', 'Running']);
    // Pods run side by side, so their events interleave.
    expect(world.events.map((e) => e.reason).sort()).toEqual(['Created', 'Created', 'Created', 'Created', 'Started', 'Started', 'Started', 'Started']);
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

  it('after every pod is removed, in 1 pass, leaving a foreign container alone', async () => {
    const world = new World();
    await world.converge(desired([pod('a'), twoContainers]));
    await world.runtime.createContainer({ name: 'foreign', image: IMAGE, labels: { other: 'x' }, env: [], ports: [] });
    expect(await world.converge(desired([], 2))).toBe(1);
    expect(await world.actual()).toEqual([]);
    expect(await world.runtime.listContainers({ key: 'other', value: 'x' })).toHaveLength(1);
  });

  it('a crash-looping container restarts at most once per interval, keeping its count', async () => {
    const world = new World();
    const d = desired([pod('crash', { containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'exit 1'] }] })]);
    expect(await world.pass(d)).toHaveLength(1); // created, started, exited at once
    expect((await world.actual())[0]).toMatchObject({ state: 'exited', exitCode: 1 });
    const [waiting] = await world.statuses(d);
    expect(waiting?.containerStatuses[0]?.state.waiting?.reason).toBe('CrashLoopBackOff');
    expect(waiting?.containerStatuses[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(waiting?.phase).toBe('Running');

    world.now += INTERVAL / 2;
    expect(await world.pass(d)).toEqual([]); // too soon
    world.now += INTERVAL / 2;
    expect((await world.pass(d)).map((a) => a.type)).toEqual(['create', 'remove']);
    const actual = await world.actual();
    expect(actual).toHaveLength(1);
    expect(actual[0]?.labels[LABELS.restartCount]).toBe('1');
    const [status] = await world.statuses(d);
    expect(status?.containerStatuses[0]).toMatchObject({ restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
  });

  it('a failed pull is retried once per interval, then the pod runs', async () => {
    const world = new World({ images: [] });
    const d = desired([pod('a')]);
    await world.pass(d);
    expect(world.runtime.calls.filter((c) => c.startsWith('pull'))).toHaveLength(1);
    const [failed] = await world.statuses(d);
    expect(failed?.phase).toBe('Pending');
    expect(failed?.containerStatuses[0]?.state.waiting?.reason).toBe('ErrImagePull');
    expect(world.events.map((e) => e.reason)).toEqual(['Pulling', 'Failed']);

    world.now += INTERVAL - 1;
    expect(await world.pass(d)).toEqual([]);
    world.runtime.addImage(IMAGE); // a pull that now works; IfNotPresent then skips it
    world.now += 1;
    expect(await world.converge(d)).toBe(1);
    expect((await world.statuses(d))[0]?.phase).toBe('Running');
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
