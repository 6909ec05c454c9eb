import type { ProbeResultState, ProbeType } from './probe-result.js';

/** What the planner and the pod status read of one container's probes. */
export interface ProbeView {
  /** The startup probe succeeded, or true at once when there is none. */
  readonly started: boolean;
  /** The readiness result once started (true when there is no readiness probe); false until started. */
  readonly ready: boolean;
  /** Liveness or startup crossed its failure threshold: the container is to be restarted. */
  readonly failed?: { readonly probe: 'liveness' | 'startup'; readonly message: string };
}

/**
 * The view from the probes' results, as kubelet derives a container's `started` and
 * `ready`. `results` holds an entry for each probe the container has, and only those.
 */
export function deriveView(results: Readonly<Partial<Record<ProbeType, ProbeResultState>>>, failed: ProbeView['failed']): ProbeView {
  const started = results.startup === undefined || results.startup.result === 'success';
  const ready = started && (results.readiness === undefined || results.readiness.result === 'success');
  return failed === undefined ? { started, ready } : { started, ready, failed };
}

export function isSameView(a: ProbeView, b: ProbeView): boolean {
  return a.started === b.started && a.ready === b.ready && a.failed?.probe === b.failed?.probe && a.failed?.message === b.failed?.message;
}
