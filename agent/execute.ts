import type { Logger } from '../protocol/log.js';
import type { HostPathType } from '../protocol/manifest.js';
import { failureKey, type Action, type StepFailure } from './actions.js';
import type { EventSink } from './event-sink.js';
import type { HostPathKind } from './host-paths.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { HostPathMount, PlannedContainer } from './container-spec.js';
import { describe, VolumeInUseError, type ContainerCreateSpec, type ContainerRuntime, type DeviceMapping, type Mount } from './runtime/runtime.js';


export interface ExecutorDeps {
  readonly runtime: ContainerRuntime;
  readonly events: EventSink;
  /** Failed steps, remembered for the planner's back-off; owned by the agent. */
  readonly failures: Map<string, StepFailure>;
  readonly log: Logger;
  /** Monotonic ms (Clock.mono): failed steps back off on it, whatever the wall clock does. */
  readonly now: () => number;
  /** The back-off between attempts of a failed create or start. */
  readonly backoff: BackoffPolicy;
  /** The background image puller: asked, never awaited. */
  readonly puller: {
    request(image: string, requester: { key: string; pod: string; container: string }): void;
    release(requesterKey: string): void;
  };
  /** Makes sure the pause image of pod sandboxes is on the engine (idempotent). */
  readonly ensureSandboxImage: () => Promise<void>;
  /** Checks a hostPath on the node as its type says (creating it for *OrCreate); throws with the reason. */
  readonly prepareHostPath: (path: string, type: HostPathType) => Promise<HostPathKind>;
  /** Called when a detached step (a removal, a kill) has finished, so the loop can look again. */
  readonly onDetachedDone?: () => void;
}

/** A step failed; the rest of its pod's actions are skipped until the next pass. */
class StepError extends Error {
  override name = 'StepError';
}

/**
 * The one executor. Every step is idempotent (the runtime makes "already running",
 * "already gone" and "created already" success), so a pass cut short by a crash can
 * simply be planned and run again. Each pod's actions run in order; different pods run
 * side by side, so one pod's long stop does not hold up another's start.
 */
export class Executor {
  /**
   * Pods whose actions are under way in the background, by pod name: a stop waits out a
   * grace period, which must hold up no other pod (nor the loop). Later passes skip these
   * pods until they are done, then plan them again.
   */
  private readonly busy = new Map<string, Promise<void>>();
  /** Back-offs already announced with a BackOff event, by key; pruned to the current ones each pass. */
  private announced = new Set<string>();

  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Runs the actions, each pod's in order and the pods side by side; resolves when all
   * are done or have failed (failures are logged, never thrown), except the pods whose
   * actions stop a container: those go on in the background.
   */
  async execute(actions: readonly Action[]): Promise<void> {
    this.announceBackOffs(actions);
    const byPod = new Map<string, Action[]>();
    for (const action of actions) {
      const group = byPod.get(action.pod) ?? [];
      group.push(action);
      byPod.set(action.pod, group);
    }
    const awaited: Promise<boolean>[] = [];
    for (const [pod, group] of byPod) {
      if (this.busy.has(pod)) continue;
      if (group.some(isStop)) this.detach(pod, group);
      else awaited.push(this.runGroup(group));
    }
    await Promise.all(awaited);
  }

  /** Resolves once the pods' background actions have finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.busy.size > 0) await Promise.all(this.busy.values());
  }

  /**
   * Runs a pod's actions in the background. Only a success wakes the loop: a step that
   * keeps failing is tried again at the next resync, not in a tight loop.
   */
  private detach(pod: string, group: readonly Action[]): void {
    const done = this.runGroup(group).then((isDone) => {
      this.busy.delete(pod);
      if (isDone) this.deps.onDetachedDone?.();
    });
    this.busy.set(pod, done);
  }

  /** One BackOff event per back-off, not one per pass that sees it. */
  private announceBackOffs(actions: readonly Action[]): void {
    const current = new Set<string>();
    for (const action of actions) {
      if (action.type !== 'wait' || action.announce === undefined) continue;
      const { key, reason, message } = action.announce;
      current.add(key);
      if (this.announced.has(key)) continue;
      this.deps.events.emit({ type: 'Warning', reason, message, pod: action.pod, container: action.container });
    }
    this.announced = current;
  }

  /** Performs a pod's actions in order; false if one failed (the rest wait for the next pass). */
  private async runGroup(group: readonly Action[]): Promise<boolean> {
    for (const action of group) {
      const fields = { pod: action.pod, container: action.container, action: action.type, reason: action.reason };
      if (action.type === 'wait') {
        this.deps.log.debug({ ...fields, ...(Number.isFinite(action.until) ? { inMs: Math.max(0, Math.round(action.until - this.deps.now())) } : {}) }, 'waiting');
        continue;
      }
      // A pull request is repeated each pass while the pull runs; the puller logs the pull itself.
      if (action.type === 'pull') this.deps.log.debug(fields, describeAction(action));
      else this.deps.log.info(fields, describeAction(action));
      try {
        await this.perform(action);
      } catch (error) {
        this.deps.log.warn({ ...fields, error: describe(error) }, `${action.type} failed; the pod's remaining steps wait for the next pass`);
        return false;
      }
    }
    return true;
  }

  private async perform(action: Action): Promise<void> {
    const { runtime, events } = this.deps;
    const where = { pod: action.pod, container: action.container };
    switch (action.type) {
      case 'pull':
        this.deps.puller.request(action.image, { key: action.requesterKey, ...where });
        return;
      case 'createSandbox': {
        const key = failureKey(action.podUid, '', action.specHash);
        let id: string;
        try {
          await this.deps.ensureSandboxImage();
          id = await runtime.createContainer(action.spec);
          await runtime.startContainer(id);
        } catch (error) {
          this.fail(action.podUid, key, 'create', 'CreatePodSandboxError', error);
          events.emit({ type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${describe(error)}`, pod: action.pod });
          throw new StepError('sandbox failed', { cause: error });
        }
        this.deps.failures.delete(key);
        this.deps.log.debug({ pod: action.pod, container: id.slice(0, 12) }, 'pod sandbox running');
        return;
      }
      case 'create': {
        const key = failureKey(action.podUid, action.container, action.specHash);
        let spec: ContainerCreateSpec;
        try {
          spec = await this.withHostPaths(action.planned);
        } catch (error) {
          this.fail(action.podUid, key, 'create', 'CreateContainerConfigError', error);
          events.emit({ type: 'Warning', reason: 'FailedMount', message: describe(error), ...where });
          throw new StepError('hostPath check failed', { cause: error });
        }
        let id: string;
        try {
          id = await runtime.createContainer(spec);
        } catch (error) {
          this.fail(action.podUid, key, 'create', 'CreateContainerError', error);
          events.emit({ type: 'Warning', reason: 'Failed', message: `Error: ${describe(error)}`, ...where });
          throw new StepError('create failed', { cause: error });
        }
        this.deps.puller.release(action.requesterKey);
        if (action.isImagePresent) events.emit({ type: 'Normal', reason: 'Pulled', message: `Container image "${spec.image}" already present on machine`, ...where });
        events.emit({ type: 'Normal', reason: 'Created', message: `Created container ${action.container}`, ...where });
        await this.start(action.podUid, id, key, where);
        return;
      }
      case 'start':
        if (action.container === '') {
          await this.startSandbox(action.podUid, action.id, failureKey(action.podUid, '', action.specHash), action.pod);
          return;
        }
        await this.start(action.podUid, action.id, failureKey(action.podUid, action.container, action.specHash), where);
        return;
      case 'kill':
        events.emit({ type: 'Normal', reason: 'Killing', message: action.message, ...where });
        await runtime.stopContainer(action.id, action.graceSeconds);
        return;
      case 'remove':
        if (action.isRunning) {
          // The sandbox is Baton's own business; kubelet tells of the pod's containers only.
          if (action.container !== '') events.emit({ type: 'Normal', reason: 'Killing', message: `Stopping container ${action.container}`, ...where });
          await runtime.stopContainer(action.id, action.graceSeconds);
        }
        await runtime.removeContainer(action.id);
        return;
      case 'removeVolume':
        try {
          await runtime.removeVolume(action.name);
        } catch (error) {
          // A container still holds it (being removed in the background): the next pass tries again.
          if (error instanceof VolumeInUseError) return;
          throw error;
        }
        return;
      case 'wait':
        return;
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Resolves the container's hostPath volumes on the node: a device node is mapped as a device, anything else bound. */
  private async withHostPaths(planned: PlannedContainer): Promise<ContainerCreateSpec> {
    if (planned.hostPaths.length === 0) return planned.spec;
    const mounts: Mount[] = [...(planned.spec.mounts ?? [])];
    const devices: DeviceMapping[] = [...(planned.spec.devices ?? [])];
    for (const h of planned.hostPaths) {
      // An unchecked path that does not exist becomes a directory, as with Docker's `-v`.
      let kind = await this.deps.prepareHostPath(h.path, h.type);
      if (kind === 'missing') kind = await this.deps.prepareHostPath(h.path, 'DirectoryOrCreate');
      if (kind === 'charDevice' || kind === 'blockDevice') devices.push(deviceMapping(h));
      else mounts.push({ type: 'bind', source: h.path, target: h.target, readOnly: h.readOnly });
    }
    return { ...planned.spec, mounts, devices };
  }

  private async start(podUid: string, id: string, key: string, where: { pod: string; container: string }): Promise<void> {
    try {
      await this.deps.runtime.startContainer(id);
    } catch (error) {
      this.fail(podUid, key, 'start', 'RunContainerError', error);
      this.deps.events.emit({ type: 'Warning', reason: 'Failed', message: `Error: ${describe(error)}`, ...where });
      throw new StepError('start failed', { cause: error });
    }
    this.deps.failures.delete(key);
    this.deps.events.emit({ type: 'Normal', reason: 'Started', message: `Started container ${where.container}`, ...where });
  }

  /** Starts a pod sandbox that exists already; a failure is the sandbox's, as when creating one. */
  private async startSandbox(podUid: string, id: string, key: string, pod: string): Promise<void> {
    try {
      await this.deps.runtime.startContainer(id);
    } catch (error) {
      this.fail(podUid, key, 'start', 'CreatePodSandboxError', error);
      this.deps.events.emit({ type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to start pod sandbox: ${describe(error)}`, pod });
      throw new StepError('sandbox start failed', { cause: error });
    }
    this.deps.failures.delete(key);
    this.deps.log.debug({ pod, container: id.slice(0, 12) }, 'pod sandbox running');
  }

  /** Remembers a failed step; the planner waits out the back-off before trying again. */
  private fail(podUid: string, key: string, step: StepFailure['step'], reason: string, error: unknown): void {
    const at = this.deps.now();
    const failures = (this.deps.failures.get(key)?.failures ?? 0) + 1;
    this.deps.failures.set(key, { podUid, step, reason, message: describe(error), at, failures, retryAt: at + backoffDelay(failures, this.deps.backoff) });
  }
}

/** True for an action that stops a running container, and so may take a whole grace period. */
function isStop(action: Action): boolean {
  return action.type === 'kill' || (action.type === 'remove' && action.isRunning);
}

function deviceMapping(h: HostPathMount): DeviceMapping {
  return { pathOnHost: h.path, pathInContainer: h.target, permissions: h.readOnly ? 'r' : 'rw' };
}

function describeAction(action: Action): string {
  switch (action.type) {
    case 'pull':
      return `asking for image ${action.image}`;
    case 'createSandbox':
      return `creating the pod sandbox ${action.spec.name}`;
    case 'create':
      return `creating container ${action.planned.spec.name}`;
    case 'kill':
      return `stopping container ${action.id.slice(0, 12)} to restart it`;
    case 'removeVolume':
      return `removing volume ${action.name}`;
    case 'start':
      return `starting container ${action.id.slice(0, 12)}`;
    case 'remove':
      return `${action.isRunning ? 'stopping and ' : ''}removing container ${action.id.slice(0, 12)}`;
    case 'wait':
      return 'waiting';
  }
}
