import type { Logger } from '../protocol/log.js';
import { failureKey, type Action, type StepFailure } from './plan.js';
import { describe, type ContainerRuntime } from './runtime/runtime.js';

/** Where lifecycle events go (the node's events topic); never blocks the executor. */
export interface EventSink {
  emit(event: { type: 'Normal' | 'Warning'; reason: string; message: string; pod?: string; container?: string }): void;
}

export interface ExecutorDeps {
  readonly runtime: ContainerRuntime;
  readonly events: EventSink;
  /** Failed steps, remembered for the planner's retry limits; owned by the agent. */
  readonly failures: Map<string, StepFailure>;
  readonly log: Logger;
  readonly now: () => number;
  /** Called when a detached removal has finished, so the loop can look again. */
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
  /** Detached removals under way, by container ID; later passes skip these containers. */
  private readonly detached = new Map<string, Promise<void>>();

  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Runs the actions; resolves when all are done or have failed (failures are logged,
   * never thrown), except detached removals, which go on in the background.
   */
  async execute(actions: readonly Action[]): Promise<void> {
    const byPod = new Map<string, Action[]>();
    for (const action of actions) {
      if ((action.type === 'remove' || action.type === 'start') && this.detached.has(action.id)) continue;
      if (action.type === 'remove' && action.isDetached) {
        this.detach(action);
        continue;
      }
      const group = byPod.get(action.pod) ?? [];
      group.push(action);
      byPod.set(action.pod, group);
    }
    await Promise.all([...byPod.values()].map((group) => this.runGroup(group)));
  }

  /** Resolves once the detached removals under way have finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.detached.values());
  }

  private detach(action: Action & { type: 'remove' }): void {
    const done = this.runGroup([action]).finally(() => {
      this.detached.delete(action.id);
      this.deps.onDetachedDone?.();
    });
    this.detached.set(action.id, done);
  }

  private async runGroup(group: readonly Action[]): Promise<void> {
    for (const action of group) {
      const fields = { pod: action.pod, container: action.container, action: action.type, reason: action.reason };
      if (action.type === 'wait') {
        this.deps.log.debug({ ...fields, until: new Date(action.until).toISOString() }, 'waiting');
        continue;
      }
      this.deps.log.info(fields, describeAction(action));
      try {
        await this.perform(action);
      } catch (error) {
        this.deps.log.warn({ ...fields, error: describe(error) }, `${action.type} failed; the pod's remaining steps wait for the next pass`);
        return;
      }
    }
  }

  private async perform(action: Action): Promise<void> {
    const { runtime, events } = this.deps;
    const where = { pod: action.pod, container: action.container };
    switch (action.type) {
      case 'pull': {
        const key = failureKey(action.podUid, action.container, action.specHash);
        const started = this.deps.now();
        events.emit({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${action.image}"`, ...where });
        try {
          await runtime.pullImage(action.image);
        } catch (error) {
          this.fail(action.podUid, key, 'pull', 'ErrImagePull', error);
          events.emit({ type: 'Warning', reason: 'Failed', message: `Failed to pull image "${action.image}": ${describe(error)}`, ...where });
          throw new StepError('pull failed', { cause: error });
        }
        this.deps.failures.delete(key);
        const seconds = ((this.deps.now() - started) / 1000).toFixed(3);
        events.emit({ type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${action.image}" in ${seconds}s`, ...where });
        return;
      }
      case 'create': {
        const key = failureKey(action.podUid, action.container, action.specHash);
        let id: string;
        try {
          id = await runtime.createContainer(action.spec);
        } catch (error) {
          this.fail(action.podUid, key, 'create', 'CreateContainerError', error);
          events.emit({ type: 'Warning', reason: 'Failed', message: `Error: ${describe(error)}`, ...where });
          throw new StepError('create failed', { cause: error });
        }
        events.emit({ type: 'Normal', reason: 'Created', message: `Created container ${action.container}`, ...where });
        await this.start(action.podUid, id, key, where);
        return;
      }
      case 'start':
        await this.start(action.podUid, action.id, failureKey(action.podUid, action.container, action.specHash), where);
        return;
      case 'remove':
        if (action.isRunning) {
          events.emit({ type: 'Normal', reason: 'Killing', message: `Stopping container ${action.container}`, ...where });
          await runtime.stopContainer(action.id, action.graceSeconds);
        }
        await runtime.removeContainer(action.id);
        return;
      case 'wait':
        return;
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
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

  private fail(podUid: string, key: string, step: StepFailure['step'], reason: string, error: unknown): void {
    this.deps.failures.set(key, { podUid, step, reason, message: describe(error), at: this.deps.now() });
  }
}

function describeAction(action: Action): string {
  switch (action.type) {
    case 'pull':
      return `pulling image ${action.image}`;
    case 'create':
      return `creating container ${action.spec.name}`;
    case 'start':
      return `starting container ${action.id.slice(0, 12)}`;
    case 'remove':
      return `${action.isRunning ? 'stopping and ' : ''}removing container ${action.id.slice(0, 12)}`;
    case 'wait':
      return 'waiting';
  }
}
