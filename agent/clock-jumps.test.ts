import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { podSpecSchema } from '../protocol/manifest.js';
import type { Action, PlanContext, StepFailure } from './actions.js';
import { sandboxSpec } from './container-spec.js';
import { Executor } from './execute.js';
import { ownContainers, plan } from './plan.js';
import { derivePodStatus } from './pod-status.js';
import { ProbeManager } from './probes/probe-manager.js';
import { ImagePuller } from './pulls/image-puller.js';
import { decideRestart, KUBELET_RESTART_BACKOFF } from './restart-policy.js';
import { ExitSightings } from './restart-timing.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import type { ActualContainer } from './runtime/runtime.js';
import { FakeClock, YEAR_MS } from './testing/fake-clock.js';
import { desired, IMAGE, instance, NODE, PAUSE_IMAGE, planContext, pod, sandboxOf, T0 } from './testing/fixtures.js';

/**
 * Every wait of the agent under a wall clock that jumps (a Pi without a real-time clock
 * boots in 1970 until NTP sets it; a reboot without network leaves it behind what Docker
 * recorded): set back, a wait is never longer than its own back-off; set forward, it is
 * at most cut short. Each case first sees the world at T0, then the wall clock jumps.
 */

const log = createLogger('clock-jumps-test', 'silent');
const MONO0 = 7_000_000;

const jumps = [
  { name: 'no jump', jumpMs: 0 },
  { name: 'set back 10 years', jumpMs: -10 * YEAR_MS },
  { name: 'set back to 1970 (a reboot without network)', jumpMs: -T0 },
  { name: 'set forward 10 years', jumpMs: 10 * YEAR_MS },
];

function context(clock: FakeClock, sightings: ExitSightings, overrides: Pick<Partial<PlanContext>, 'failures' | 'images'> = {}): PlanContext {
  return planContext({ now: clock.wall(), mono: clock.mono(), exitsSeenAt: sightings.seenAt, ...overrides });
}

/** `wait <ms from now>` or `<type>`, for each action. */
function describeActions(actions: readonly Action[], clock: FakeClock): string[] {
  return actions.map((a) => (a.type === 'wait' ? `wait ${a.until - clock.mono()}` : a.type));
}

/** The container crashed 1 s before T0 and owes a back-off of 20 s (kubelet: CrashLoopBackOff). */
const web = pod('web');
const crashed = (): ActualContainer => instance(web, 'main', { state: 'exited', exitCode: 1, startedAt: T0 - 60_000, finishedAt: T0 - 1000, backoffMs: 20_000 });

describe.each(jumps)('wall clock $name', ({ jumpMs }) => {
  const isForward = jumpMs > 0;

  it('restart back-off of a crashed container: at most its own length, restarted once it has passed', () => {
    const clock = new FakeClock(T0, MONO0);
    const sightings = new ExitSightings();
    const c = crashed();
    sightings.observe([c], clock.mono());
    clock.jump(jumpMs);
    const actions = describeActions(plan(desired([web]), [c], [], context(clock, sightings)), clock);
    if (isForward) expect(actions).toContain('create');
    else expect(actions).toEqual([jumpMs === 0 ? 'wait 19000' : 'wait 20000']);
    clock.advance(20_000);
    expect(describeActions(plan(desired([web]), [c], [], context(clock, sightings)), clock)).toContain('create');
  });

  it('CrashLoopBackOff in the pod status: shown no longer than the back-off', () => {
    const clock = new FakeClock(T0, MONO0);
    const sightings = new ExitSightings();
    const c = crashed();
    sightings.observe([c], clock.mono());
    clock.jump(jumpMs);
    const reason = (): string | undefined =>
      derivePodStatus(web, ownContainers([c], NODE), { ...context(clock, sightings), runtimeScheme: 'docker' }).containerStatuses[0]?.state.waiting?.reason;
    // Due to restart at once, the status shows the run that ended (no waiting reason).
    expect(reason()).toBe(isForward ? undefined : 'CrashLoopBackOff');
    clock.advance(20_000);
    expect(reason()).toBeUndefined();
  });

  it('back-off of a dead pod sandbox: at most its own length', () => {
    const duo = pod('duo', { containers: [{ name: 'app', image: IMAGE }, { name: 'side', image: IMAGE }] });
    const dead: ActualContainer = { ...sandboxOf(duo, { state: 'exited' }), labels: sandboxSpec(NODE, duo, PAUSE_IMAGE, 20_000).labels };
    const clock = new FakeClock(T0, MONO0);
    const sightings = new ExitSightings();
    sightings.observe([dead], clock.mono());
    clock.jump(jumpMs);
    const actions = describeActions(plan(desired([duo]), [dead], [], context(clock, sightings)), clock);
    if (isForward) expect(actions).toContain('createSandbox');
    else expect(actions).toContain(jumpMs === 0 ? 'wait 19000' : 'wait 20000');
    clock.advance(20_000);
    expect(describeActions(plan(desired([duo]), [dead], [], context(clock, sightings)), clock)).toContain('createSandbox');
  });

  it('back-off of a failed create: exactly its length, whichever way the clock jumps', async () => {
    const clock = new FakeClock(T0, MONO0);
    const sightings = new ExitSightings();
    const failures = new Map<string, StepFailure>();
    // The engine lacks the image the planner believes present: the create fails.
    const runtime = new FakeRuntime({ images: [] });
    const executor = new Executor({
      runtime,
      events: { emit: () => undefined },
      failures,
      log,
      now: () => clock.mono(),
      backoff: KUBELET_RESTART_BACKOFF,
      puller: { request: () => undefined, release: () => undefined },
      ensureSandboxImage: async () => undefined,
      prepareHostPath: async () => 'directory',
    });
    await executor.execute(plan(desired([web]), [], [], context(clock, sightings, { failures })));
    expect(failures.size).toBe(1);
    clock.jump(jumpMs);
    expect(describeActions(plan(desired([web]), [], [], context(clock, sightings, { failures })), clock)).toEqual(['wait 10000']);
    clock.advance(10_000);
    expect(describeActions(plan(desired([web]), [], [], context(clock, sightings, { failures })), clock)).toEqual(['create']);
  });

  it('back-off of a failed pull: exactly its length, and no pull before it', async () => {
    const clock = new FakeClock(T0, MONO0);
    const sightings = new ExitSightings();
    const runtime = new FakeRuntime({ images: [] });
    const puller = new ImagePuller({ runtime, events: { emit: () => undefined }, log, clock, onChange: () => undefined, backoff: KUBELET_RESTART_BACKOFF });
    const ctx = (): PlanContext => ({ ...context(clock, sightings, { images: new Set() }), pulls: puller });
    const requester = { key: 'web/main', pod: 'web', container: 'main' };
    const pulls = (): number => runtime.calls.filter((c) => c.startsWith('pull ')).length;
    puller.request(IMAGE, requester);
    await vi.waitFor(() => expect(puller.view(IMAGE)?.failure).toBeDefined());
    const before = pulls();
    clock.jump(jumpMs);
    puller.request(IMAGE, requester);
    expect(pulls()).toBe(before);
    expect(describeActions(plan(desired([web]), [], [], ctx()), clock)).toEqual(['wait 10000', 'wait 1000']);
    clock.advance(1000);
    const status = derivePodStatus(web, [], { ...ctx(), runtimeScheme: 'docker' });
    expect(status.containerStatuses[0]?.state.waiting?.reason).toBe('ImagePullBackOff');
    clock.advance(9000);
    expect(describeActions(plan(desired([web]), [], [], ctx()), clock)).toEqual(['pull']);
    await puller.stop();
  });

  describe('probes', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('initialDelaySeconds counts from the start Docker recorded, at most from when the agent saw it', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const runtime = new FakeRuntime({ images: [IMAGE] });
      const id = await runtime.createContainer({ name: 'app', image: IMAGE, labels: {}, env: [], ports: [] });
      await runtime.startContainer(id);
      const runs: number[] = [];
      const since = Date.now();
      runtime.execHandler = () => {
        runs.push(Date.now() - since);
        return { exitCode: 0, output: '' };
      };
      // Node's timers and the monotonic clock go on; the wall clock has jumped since Docker recorded the start.
      const clock = { wall: () => Date.now() + jumpMs, mono: () => Date.now() };
      const manager = new ProbeManager({ runtime, events: { emit: () => undefined }, log, onChange: () => undefined, clock });
      const spec = podSpecSchema.parse({ containers: [{ name: 'app', image: IMAGE, readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 5, periodSeconds: 10 } }] }).containers[0];
      if (spec === undefined) throw new Error('no container');
      manager.sync([{ containerId: id, pod: 'web', podUid: 'uid-web', container: 'app', spec, startedAt: since - 1000, address: '127.0.0.1' }]);
      await vi.advanceTimersByTimeAsync(15_000);
      // Started 1 s ago: first run at 4 s; a start the clock now puts in the future counts as now (5 s); one it puts years ago runs at once.
      const first = jumpMs === 0 ? 4000 : isForward ? 0 : 5000;
      expect(runs).toEqual([first, first + 10_000]);
      const stopping = manager.stop();
      await vi.advanceTimersByTimeAsync(5000);
      await stopping;
    });
  });
});

describe('CrashLoopBackOff reset after a long run, with the clock jumping during the run', () => {
  const backoff = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
  it.each([
    { name: 'no jump: a 30 s run keeps its back-off', startedAt: T0 - 30_000, expectedDelay: 80_000 },
    { name: 'set forward during the run (started before NTP, crashed after): forgiven, so only shorter', startedAt: 0, expectedDelay: 0 },
    { name: 'set back during the run (it seems to end before it began): not forgiven, and no longer than owed', startedAt: T0 + 10 * YEAR_MS, expectedDelay: 80_000 },
  ])('$name', ({ startedAt, expectedDelay }) => {
    const decision = decideRestart('Always', { exitCode: 1, startedAt, finishedAt: T0, backoffMs: 80_000 }, backoff);
    expect(decision.restart && decision.delayMs).toBe(expectedDelay);
  });
});
