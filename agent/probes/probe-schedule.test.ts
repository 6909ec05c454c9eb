import { describe, expect, it } from 'vitest';
import type { ProbeType } from './probe-result.js';
import {
  beginProbe,
  dueProbes,
  endProbe,
  markStarted,
  nextWakeAt,
  scheduleProbes,
  stopProbe,
  type ProbeSchedule,
  type ProbeTiming,
} from './probe-schedule.js';

const T0 = 1_700_000_000_000;
const s = (seconds: number): number => T0 + seconds * 1000;
const timing = (initialDelaySeconds: number, periodSeconds: number): ProbeTiming => ({ initialDelaySeconds, periodSeconds });

/**
 * Drives a schedule the way the probe manager does, with an injected clock: wakes at
 * nextWakeAt, begins what is due, ends each run after `durationMs(type, n)`. Returns the
 * start times (seconds after T0) of each probe's runs up to `untilSeconds`, and the most
 * runs of one probe ever in flight at once.
 */
function simulate(
  initial: ProbeSchedule,
  untilSeconds: number,
  durationMs: (type: ProbeType, run: number) => number,
  onEnd: (schedule: ProbeSchedule, type: ProbeType, now: number) => ProbeSchedule = (schedule) => schedule,
): { starts: Partial<Record<ProbeType, number[]>>; maxInFlight: number } {
  let schedule = initial;
  const starts: Partial<Record<ProbeType, number[]>> = {};
  const inFlight: { type: ProbeType; endsAt: number }[] = [];
  let maxInFlight = 0;
  for (;;) {
    const wake = nextWakeAt(schedule);
    const nextEnd = Math.min(...inFlight.map((r) => r.endsAt));
    const now = Math.min(wake ?? Infinity, nextEnd);
    if (now === Infinity || now > s(untilSeconds)) break;
    // Runs that end now end first, as a completion callback would before a timer of the same instant.
    for (const run of inFlight.filter((r) => r.endsAt === now)) {
      inFlight.splice(inFlight.indexOf(run), 1);
      schedule = onEnd(endProbe(schedule, run.type, now), run.type, now);
    }
    for (const type of dueProbes(schedule, now)) {
      const list = (starts[type] ??= []);
      list.push((now - T0) / 1000);
      schedule = beginProbe(schedule, type, now);
      inFlight.push({ type, endsAt: now + durationMs(type, list.length) });
      maxInFlight = Math.max(maxInFlight, inFlight.filter((r) => r.type === type).length);
    }
  }
  return { starts, maxInFlight };
}

describe('scheduleProbes', () => {
  it('schedules the first run at startedAt + initialDelaySeconds', () => {
    const schedule = scheduleProbes({ liveness: timing(5, 10), readiness: timing(0, 3) }, T0, T0);
    expect(nextWakeAt(schedule)).toBe(s(0));
    expect(dueProbes(schedule, s(0))).toEqual(['readiness']);
    expect(dueProbes(schedule, s(4.999))).toEqual(['readiness']);
    expect(dueProbes(schedule, s(5))).toEqual(['liveness', 'readiness']);
  });

  it('runs nothing before the initial delay, even when asked', () => {
    const schedule = scheduleProbes({ liveness: timing(30, 10) }, T0, T0);
    expect(dueProbes(schedule, s(29))).toEqual([]);
    expect(nextWakeAt(schedule)).toBe(s(30));
  });

  it('runs at once a probe of a container adopted after its initial delay has passed', () => {
    const schedule = scheduleProbes({ liveness: timing(5, 10) }, T0, s(600));
    expect(dueProbes(schedule, s(600))).toEqual(['liveness']);
  });

  it('holds liveness and readiness back behind a startup probe', () => {
    const schedule = scheduleProbes({ startup: timing(0, 1), liveness: timing(0, 1), readiness: timing(0, 1) }, T0, T0);
    expect(schedule.probes.liveness?.phase).toEqual({ name: 'held' });
    expect(schedule.probes.readiness?.phase).toEqual({ name: 'held' });
    expect(dueProbes(schedule, s(100))).toEqual(['startup']);
  });

  it('has only the probes the container has', () => {
    const schedule = scheduleProbes({ readiness: timing(0, 10) }, T0, T0);
    expect(Object.keys(schedule.probes)).toEqual(['readiness']);
    expect(nextWakeAt(scheduleProbes({}, T0, T0))).toBeUndefined();
  });
});

describe('runs over time', () => {
  it('runs every periodSeconds after the initial delay', () => {
    const schedule = scheduleProbes({ liveness: timing(5, 10) }, T0, T0);
    expect(simulate(schedule, 40, () => 200).starts.liveness).toEqual([5, 15, 25, 35]);
  });

  it('never runs a probe twice at once: a run past its period skips the missed boundaries', () => {
    const schedule = scheduleProbes({ liveness: timing(0, 1) }, T0, T0);
    // Each run hangs for 2.5 s (a timeout longer than the period).
    const { starts, maxInFlight } = simulate(schedule, 10, () => 2500);
    expect(maxInFlight).toBe(1);
    expect(starts.liveness).toEqual([0, 3, 6, 9]);
  });

  it('keeps the period when a run ends exactly on the next boundary', () => {
    const schedule = scheduleProbes({ readiness: timing(0, 2) }, T0, T0);
    expect(simulate(schedule, 6, () => 2000).starts.readiness).toEqual([0, 2, 4, 6]);
  });

  it('starts liveness and readiness when startup succeeds, and stops startup', () => {
    const schedule = scheduleProbes({ startup: timing(0, 2), liveness: timing(0, 5), readiness: timing(0, 5) }, T0, T0);
    // The startup probe succeeds on its third run (at 4 s, ending at 4.1 s).
    let startupRuns = 0;
    const { starts } = simulate(
      schedule,
      20,
      () => 100,
      (next, type, now) => {
        if (type !== 'startup') return next;
        startupRuns++;
        return startupRuns === 3 ? markStarted(next, now) : next;
      },
    );
    expect(starts.startup).toEqual([0, 2, 4]);
    expect(starts.liveness).toEqual([4.1, 9.1, 14.1, 19.1]);
    expect(starts.readiness).toEqual([4.1, 9.1, 14.1, 19.1]);
  });

  it('still honours the initial delay of liveness after an early startup', () => {
    const schedule = scheduleProbes({ startup: timing(0, 1), liveness: timing(10, 10) }, T0, T0);
    const started = markStarted(endProbe(beginProbe(schedule, 'startup', s(0)), 'startup', s(0.1)), s(0.1));
    expect(started.probes.startup?.phase).toEqual({ name: 'stopped' });
    expect(dueProbes(started, s(9))).toEqual([]);
    expect(nextWakeAt(started)).toBe(s(10));
  });

  it('runs a stopped probe no more', () => {
    const schedule = stopProbe(scheduleProbes({ liveness: timing(0, 1), readiness: timing(0, 1) }, T0, T0), 'liveness');
    expect(simulate(schedule, 3, () => 10).starts).toEqual({ readiness: [0, 1, 2, 3] });
  });
});

describe('transitions that do not apply', () => {
  it('beginProbe of a running, held or stopped probe changes nothing', () => {
    const schedule = scheduleProbes({ startup: timing(0, 1), liveness: timing(0, 1) }, T0, T0);
    const running = beginProbe(schedule, 'startup', s(0));
    expect(beginProbe(running, 'startup', s(5))).toBe(running);
    expect(beginProbe(running, 'liveness', s(5))).toBe(running);
    expect(beginProbe(stopProbe(running, 'startup'), 'startup', s(5)).probes.startup?.phase).toEqual({ name: 'stopped' });
  });

  it('endProbe of a probe not in flight changes nothing', () => {
    const schedule = scheduleProbes({ liveness: timing(0, 1) }, T0, T0);
    expect(endProbe(schedule, 'liveness', s(3))).toBe(schedule);
    expect(endProbe(schedule, 'readiness', s(3))).toBe(schedule);
  });

  it('a probe stopped while in flight stays stopped when its run ends', () => {
    const running = beginProbe(scheduleProbes({ liveness: timing(0, 1) }, T0, T0), 'liveness', s(0));
    const stopped = stopProbe(running, 'liveness');
    expect(endProbe(stopped, 'liveness', s(1)).probes.liveness?.phase).toEqual({ name: 'stopped' });
  });
});
