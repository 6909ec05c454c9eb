import type { ProbeType } from './probe-result.js';

/**
 * When each probe of one running container runs, as plain data over an injected time
 * (monotonic ms, Clock.mono: a jump of the wall clock moves no probe). Pure: the probe manager asks which probes are due and when to wake next,
 * and reports when a run begins and ends.
 *
 * The rules, after kubelet and the Kubernetes docs:
 * - no probe runs before the container has run for `initialDelaySeconds`;
 * - then every `periodSeconds`, counted from when the previous run began;
 * - one run per probe at a time: a run still in flight when the next is due is not
 *   doubled; the next run is the first period boundary after it ends;
 * - with a startup probe, liveness and readiness are held back until it has succeeded,
 *   and the startup probe then stops for good (this container instance has started).
 */

export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
}

export type ProbePhase =
  /** Held back until the startup probe has succeeded. */
  | { readonly name: 'held' }
  | { readonly name: 'waiting'; readonly dueAt: number }
  | { readonly name: 'running'; readonly since: number }
  /** Done for this container instance (startup succeeded, or liveness/startup failed). */
  | { readonly name: 'stopped' };

export interface ScheduledProbe {
  readonly timing: ProbeTiming;
  readonly phase: ProbePhase;
}

export interface ProbeSchedule {
  /** When the container instance started running, on the same clock as `now`. */
  readonly startedAt: number;
  /** Only the probes the container has. */
  readonly probes: Readonly<Partial<Record<ProbeType, ScheduledProbe>>>;
}

const probeTypes: readonly ProbeType[] = ['startup', 'liveness', 'readiness'];

/** The earliest a probe may run once it is allowed to at `allowedAt`: never before its initial delay. */
function firstDueAt(timing: ProbeTiming, startedAt: number, allowedAt: number): number {
  return Math.max(startedAt + timing.initialDelaySeconds * 1000, allowedAt);
}

/**
 * The schedule of a container seen at `now` (when it starts running, or later, when the
 * agent restarts and adopts it: probes whose delay has passed then run at once).
 */
export function scheduleProbes(timings: Readonly<Partial<Record<ProbeType, ProbeTiming>>>, startedAt: number, now: number): ProbeSchedule {
  const probes: Partial<Record<ProbeType, ScheduledProbe>> = {};
  const hasStartup = timings.startup !== undefined;
  for (const type of probeTypes) {
    const timing = timings[type];
    if (timing === undefined) continue;
    const held = hasStartup && type !== 'startup';
    probes[type] = { timing, phase: held ? { name: 'held' } : { name: 'waiting', dueAt: firstDueAt(timing, startedAt, now) } };
  }
  return { startedAt, probes };
}

function withPhase(schedule: ProbeSchedule, type: ProbeType, phase: ProbePhase): ProbeSchedule {
  const probe = schedule.probes[type];
  if (probe === undefined) return schedule;
  return { ...schedule, probes: { ...schedule.probes, [type]: { ...probe, phase } } };
}

/** The probes to run now: waiting, and due. Never one already in flight. */
export function dueProbes(schedule: ProbeSchedule, now: number): ProbeType[] {
  return probeTypes.filter((type) => {
    const phase = schedule.probes[type]?.phase;
    return phase?.name === 'waiting' && phase.dueAt <= now;
  });
}

/** When the next waiting probe is due; undefined when none waits (all running, held or stopped). */
export function nextWakeAt(schedule: ProbeSchedule): number | undefined {
  let next: number | undefined;
  for (const type of probeTypes) {
    const phase = schedule.probes[type]?.phase;
    if (phase?.name === 'waiting' && (next === undefined || phase.dueAt < next)) next = phase.dueAt;
  }
  return next;
}

/** A run of `type` begins at `now`. Only a waiting probe can begin; anything else is left as it is. */
export function beginProbe(schedule: ProbeSchedule, type: ProbeType, now: number): ProbeSchedule {
  if (schedule.probes[type]?.phase.name !== 'waiting') return schedule;
  return withPhase(schedule, type, { name: 'running', since: now });
}

/**
 * The run of `type` in flight ended at `now`: the probe waits for the first period
 * boundary (counted from when the run began) at or after `now`, so a run that outlived
 * its period skips the boundaries it missed instead of firing them all at once.
 */
export function endProbe(schedule: ProbeSchedule, type: ProbeType, now: number): ProbeSchedule {
  const probe = schedule.probes[type];
  if (probe?.phase.name !== 'running') return schedule;
  const since = probe.phase.since;
  const periodMs = probe.timing.periodSeconds * 1000;
  const periods = Math.max(1, Math.ceil((now - since) / periodMs));
  return withPhase(schedule, type, { name: 'waiting', dueAt: since + periods * periodMs });
}

/**
 * The startup probe succeeded at `now`: it stops, and liveness and readiness begin,
 * at once unless their initial delay has not passed yet.
 */
export function markStarted(schedule: ProbeSchedule, now: number): ProbeSchedule {
  let next = withPhase(schedule, 'startup', { name: 'stopped' });
  for (const type of probeTypes) {
    const probe = next.probes[type];
    if (probe?.phase.name === 'held') next = withPhase(next, type, { name: 'waiting', dueAt: firstDueAt(probe.timing, schedule.startedAt, now) });
  }
  return next;
}

/** `type` runs no more for this container instance (it failed liveness or startup and is to be restarted). */
export function stopProbe(schedule: ProbeSchedule, type: ProbeType): ProbeSchedule {
  return withPhase(schedule, type, { name: 'stopped' });
}
