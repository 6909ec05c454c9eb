import { monoDeadline, readClock, type Clock } from '../clock.js';
import type { EventSink } from '../event-sink.js';
import type { ContainerSpec, Probe } from '../../protocol/manifest.js';
import type { Logger } from '../../protocol/log.js';
import { describe, type ContainerRuntime } from '../runtime/runtime.js';
import { initialResult, recordOutcome, type ProbeOutcome, type ProbeResultState, type ProbeType } from './probe-result.js';
import { beginProbe, dueProbes, endProbe, markStarted, nextWakeAt, scheduleProbes, stopProbe, type ProbeSchedule, type ProbeTiming } from './probe-schedule.js';
import { deriveView, isSameView, type ProbeView } from './probe-view.js';
import { runProbe } from './run-probe.js';

export type { ProbeView } from './probe-view.js';

export interface ProbeTarget {
  readonly containerId: string;
  readonly pod: string;
  readonly podUid: string;
  /** The container's name. */
  readonly container: string;
  /** Its probes and ports (named ports). */
  readonly spec: ContainerSpec;
  /** Epoch ms the container instance started running, as Docker recorded it (wall clock). */
  readonly startedAt: number;
  /**
   * Where httpGet and tcpSocket reach the pod when the probe names no host: the pod IP,
   * or 127.0.0.1 with hostNetwork. Undefined while unknown: such a probe then fails
   * with a clear message.
   */
  readonly address: string | undefined;
}


export interface ProbeManagerDeps {
  readonly runtime: Pick<ContainerRuntime, 'exec'>;
  readonly events: EventSink;
  readonly log: Logger;
  /** Called when a view changes (started, ready, failed); only wakes the agent's loop. */
  readonly onChange: () => void;
  /** Probe periods and timeouts run on `mono`; `wall` only reads a container's start. */
  readonly clock: Clock;
}

const specKeys = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' } as const;
const eventLabels = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' } as const;
/** Kubernetes caps an event's message at 1 KiB; a long command output is cut there too. */
const MAX_EVENT_MESSAGE = 1024;

/** The probe workers of one running container instance. */
interface Watched {
  target: ProbeTarget;
  schedule: ProbeSchedule;
  results: Partial<Record<ProbeType, ProbeResultState>>;
  failed: ProbeView['failed'];
  view: ProbeView;
  timer: NodeJS.Timeout | undefined;
  /** Ends its httpGet and tcpSocket runs in flight when it stops being a target. */
  readonly abort: AbortController;
  gone: boolean;
}

/**
 * Runs the startup, liveness and readiness probes of the running containers the agent
 * names, kubelet-style: one worker per probe per container instance, one run in flight
 * per probe (a run ends at its timeout), results moved by thresholds. The agent reads
 * the views; a change only wakes its loop (`onChange`).
 *
 * Decisions use the monotonic clock; timers are plain setTimeout, one per container, all cleared
 * when the container stops being a target and on `stop()`. Memory is bounded by the
 * targets: a gone container's state is dropped, and a run still in flight for it is
 * discarded when it ends.
 */
export class ProbeManager {
  private readonly watched = new Map<string, Watched>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: ProbeManagerDeps) {}

  /**
   * The containers to probe, whole, every time. Idempotent: a listed container already
   * watched keeps its workers and results (its address is refreshed); a new one gets
   * workers for the probes its spec has; one no longer listed is dropped with its timers.
   * A container whose `startedAt` changed under the same ID (restarted in place) starts
   * over as a new instance. Fires no `onChange`: the caller reads the views after it.
   */
  sync(targets: readonly ProbeTarget[]): void {
    if (this.stopped) return;
    const listed = new Set<string>();
    for (const target of targets) {
      listed.add(target.containerId);
      const current = this.watched.get(target.containerId);
      if (current !== undefined && current.target.startedAt === target.startedAt) {
        current.target = target;
        continue;
      }
      if (current !== undefined) this.drop(current);
      this.watch(target);
    }
    for (const [id, entry] of this.watched) if (!listed.has(id)) this.drop(entry);
  }

  /** The probes' verdict on a container; undefined when it is not a current target. */
  view(containerId: string): ProbeView | undefined {
    return this.watched.get(containerId)?.view;
  }

  /** Stops every worker and waits for the runs in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.watched.values()) this.drop(entry);
    await Promise.allSettled([...this.inFlight]);
  }

  private watch(target: ProbeTarget): void {
    const timings: Partial<Record<ProbeType, ProbeTiming>> = {};
    const results: Partial<Record<ProbeType, ProbeResultState>> = {};
    for (const type of ['startup', 'liveness', 'readiness'] as const) {
      const probe = target.spec[specKeys[type]];
      if (probe === undefined) continue;
      timings[type] = probe;
      results[type] = initialResult(type);
    }
    const entry: Watched = {
      target,
      schedule: scheduleProbes(timings, this.startedAtMono(target.startedAt), this.deps.clock.mono()),
      results,
      failed: undefined,
      view: deriveView(results, undefined),
      timer: undefined,
      abort: new AbortController(),
      gone: false,
    };
    this.watched.set(target.containerId, entry);
    this.arm(entry);
  }

  /**
   * When the container started, on the monotonic clock: the time Docker recorded, read
   * against the wall clock now, but never later than now. A start that the wall clock
   * puts in the future (the clock was set back since) counts as now, so the initial delay
   * is waited once and no more; a clock set forward can only shorten it.
   */
  private startedAtMono(startedAt: number): number {
    const now = readClock(this.deps.clock);
    return monoDeadline(startedAt, 0, now.mono, now);
  }

  private drop(entry: Watched): void {
    entry.gone = true;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.abort.abort();
    if (this.watched.get(entry.target.containerId) === entry) this.watched.delete(entry.target.containerId);
  }

  /** Sets the container's one timer to the next probe due, if any waits. */
  private arm(entry: Watched): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const at = nextWakeAt(entry.schedule);
    if (at === undefined || entry.gone) return;
    entry.timer = setTimeout(() => this.runDue(entry), Math.max(0, at - this.deps.clock.mono()));
  }

  private runDue(entry: Watched): void {
    entry.timer = undefined;
    if (entry.gone) return;
    const now = this.deps.clock.mono();
    for (const type of dueProbes(entry.schedule, now)) {
      const probe = entry.target.spec[specKeys[type]];
      if (probe === undefined) continue;
      entry.schedule = beginProbe(entry.schedule, type, now);
      const { runtime } = this.deps;
      const { containerId, spec, address } = entry.target;
      const run = runProbe(probe, { runtime, containerId, spec, address, signal: entry.abort.signal })
        .catch((error: unknown): ProbeOutcome => ({ success: false, message: describe(error) }))
        .then((outcome) => this.record(entry, type, probe, outcome));
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
    this.arm(entry);
  }

  /** A run ended: count it against the thresholds, report a failure, update the view. */
  private record(entry: Watched, type: ProbeType, probe: Probe, outcome: ProbeOutcome): void {
    if (entry.gone) return;
    const { events, log, clock } = this.deps;
    const { pod, container } = entry.target;
    const at = clock.mono();
    entry.schedule = endProbe(entry.schedule, type, at);
    const message = outcome.message.length > MAX_EVENT_MESSAGE ? `${outcome.message.slice(0, MAX_EVENT_MESSAGE - 3)}...` : outcome.message;
    if (outcome.isError === true) {
      events.emit({ type: 'Warning', reason: 'Unhealthy', message: `${eventLabels[type]} probe errored: ${message}`, pod, container });
      this.arm(entry);
      return;
    }
    if (!outcome.success) {
      events.emit({ type: 'Warning', reason: 'Unhealthy', message: `${eventLabels[type]} probe failed: ${message}`, pod, container });
      log.debug({ pod, container, reason: 'Unhealthy', probe: type }, `${eventLabels[type]} probe failed: ${message}`);
    }
    const before = entry.results[type] ?? initialResult(type);
    const after = recordOutcome(before, outcome.success, probe);
    entry.results[type] = after;
    if (type === 'startup' && after.result === 'success') entry.schedule = markStarted(entry.schedule, at);
    if ((type === 'liveness' || type === 'startup') && after.result === 'failure' && entry.failed === undefined) {
      // Kubelet holds the probe once it has decided on a restart: probing a container
      // that is being stopped only adds noise. The next instance gets a new ID.
      entry.failed = { probe: type, message };
      entry.schedule = stopProbe(entry.schedule, type);
      log.warn({ pod, container, reason: 'Unhealthy', probe: type }, `${eventLabels[type]} probe failed ${after.run} times in a row; the container will be restarted`);
    }
    this.arm(entry);
    const view = deriveView(entry.results, entry.failed);
    if (isSameView(entry.view, view)) return;
    if (view.started !== entry.view.started) log.info({ pod, container, reason: 'Started' }, 'startup probe succeeded');
    if (view.ready !== entry.view.ready) log.info({ pod, container, reason: view.ready ? 'Ready' : 'NotReady' }, view.ready ? 'container is ready' : 'container is not ready');
    entry.view = view;
    this.deps.onChange();
  }
}
