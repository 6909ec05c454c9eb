import type { NodePolicy } from './admission.js';
import type { PodContainer } from './container-labels.js';
import type { RestartClock } from './restart-timing.js';
import type { PlannedContainer } from './container-spec.js';
import type { RestartBackoff } from './restart-policy.js';
import type { ProbeView } from './probes/probe-view.js';
import type { PullView } from './pulls/image-puller.js';
import type { ContainerCreateSpec } from './runtime/runtime.js';

/**
 * The planner's vocabulary: the actions it returns (each with its reason) and the
 * context it reads. Plain data; the executor performs the actions.
 */

export interface ActionBase {
  readonly pod: string;
  readonly podUid: string;
  readonly container: string;
  readonly reason: string;
}

export type Action =
  /** Asks the background puller for the image; never waits for it. */
  | (ActionBase & { readonly type: 'pull'; readonly image: string; readonly requesterKey: string })
  /** Creates the pod's sandbox (the pause container) and starts it. */
  | (ActionBase & { readonly type: 'createSandbox'; readonly spec: ContainerCreateSpec; readonly specHash: string })
  /** Creates the container and starts it. */
  /** `isImagePresent`: the image was on the node and nothing was pulled for it (reported as kubelet does). */
  | (ActionBase & { readonly type: 'create'; readonly planned: PlannedContainer; readonly specHash: string; readonly requesterKey: string; readonly isImagePresent: boolean })
  /** Starts a created container; with `container` '' the pod's sandbox. */
  | (ActionBase & { readonly type: 'start'; readonly id: string; readonly specHash: string })
  /** Stops a running container that failed its liveness or startup probe; it stays, to be restarted by policy. */
  | (ActionBase & { readonly type: 'kill'; readonly id: string; readonly graceSeconds: number; readonly message: string })
  /**
   * Stops the container (SIGTERM, then SIGKILL after the grace period) if running, then
   * removes it. The executor runs a pod's stops in the background, so a long grace
   * period holds up no other pod.
   */
  | (ActionBase & { readonly type: 'remove'; readonly id: string; readonly graceSeconds: number; readonly isRunning: boolean })
  /** Removes an emptyDir volume whose pod is gone. */
  | (ActionBase & { readonly type: 'removeVolume'; readonly name: string })
  /**
   * Nothing to do before `until` (monotonic ms, Clock.mono; Infinity: until something
   * changes): the loop wakes itself then. `announce` is published as a Warning event once per `key`, not
   * once per pass that waits.
   */
  | (ActionBase & { readonly type: 'wait'; readonly until: number; readonly announce?: { readonly key: string; readonly reason: string; readonly message: string } });

export type ActionType = Action['type'];

/** A step that failed, remembered so that it is retried with back-off. */
export interface StepFailure {
  readonly podUid: string;
  readonly step: 'create' | 'start';
  /** Kubernetes' waiting reason: CreateContainerError, CreateContainerConfigError, RunContainerError. */
  readonly reason: string;
  readonly message: string;
  /** Monotonic ms (Clock.mono), as `retryAt`: a wall-clock jump neither stretches nor skips the back-off. */
  readonly at: number;
  /** Failures in a row, and when the next attempt may be made. */
  readonly failures: number;
  readonly retryAt: number;
}

/** What the planner reads of the background puller (agent/pulls). */
export type { PullView } from './pulls/image-puller.js';

export interface PullState {
  view(image: string): PullView | undefined;
  /** True once a pull that started after this requester asked has succeeded. */
  isSatisfied(requesterKey: string): boolean;
}

/** What the planner reads of the probe workers (agent/probes). */
export type { ProbeView } from './probes/probe-view.js';

export interface ProbeState {
  view(containerId: string): ProbeView | undefined;
}

export interface PlanContext extends RestartClock {
  readonly node: string;
  /** Wall clock, epoch ms: for timestamps and the times Docker recorded. Every wait is on `mono`. */
  readonly now: number;
  readonly hostIP?: string;
  /** Images present on the engine (as referenced in pod specs). */
  readonly images: ReadonlySet<string>;
  /** Failed steps by failureKey(). */
  readonly failures: ReadonlyMap<string, StepFailure>;
  readonly backoff: RestartBackoff;
  readonly pulls: PullState;
  readonly probes: ProbeState;
  readonly policy: NodePolicy;
  /** The image of pod sandboxes (Baton's pause image). */
  readonly sandboxImage: string;
}

/** Failures are remembered per container spec: a changed spec is tried again at once. */
export function failureKey(podUid: string, container: string, hash: string): string {
  return `${podUid}/${container}/${hash}`;
}

export function removeAction(c: PodContainer, reason: string): Action {
  return {
    type: 'remove',
    pod: c.pod,
    podUid: c.podUid,
    container: c.isSandbox ? '' : c.container,
    id: c.actual.id,
    graceSeconds: c.gracePeriodSeconds,
    isRunning: c.actual.state === 'running' || c.actual.state === 'paused' || c.actual.state === 'restarting',
    reason,
  };
}
