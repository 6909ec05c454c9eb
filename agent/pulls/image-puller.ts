import type { EventSink } from '../event-sink.js';
import type { Logger } from '../../protocol/log.js';
import type { BackoffPolicy } from '../backoff.js';
import { readClock, wallTimeOf, type Clock } from '../clock.js';
import { describe, ImagePullError, type ContainerRuntime, type PullProgress } from '../runtime/runtime.js';
import { PullLedger, type PullRequester } from './pull-ledger.js';

export type { PullRequester } from './pull-ledger.js';

/** What the agent shows of an image's pulls in a pod's status. */
export interface PullView {
  /** `startedAt` on the monotonic clock (Clock.mono). */
  readonly inFlight?: { readonly startedAt: number; readonly progress?: PullProgress };
  /**
   * The last pull of this image failed (`at`); no new pull before `retryAt`; both on the
   * monotonic clock, so a jump of the wall clock neither stretches nor skips the back-off.
   * Kept while a retry is in flight, cleared when a pull succeeds.
   */
  readonly failure?: { readonly message: string; readonly at: number; readonly retryAt: number; readonly failures: number };
}


export interface ImagePullerDeps {
  readonly runtime: Pick<ContainerRuntime, 'pullImage'>;
  readonly events: EventSink;
  readonly log: Logger;
  /** Back-offs run on `mono`; `wall` only dates the retry time in events. */
  readonly clock: Clock;
  /** Wakes the agent's loop: a pull ended, or its progress moved. */
  readonly onChange: () => void;
  readonly backoff: BackoffPolicy;
}

/** Progress wakes the loop at most this often; a pull's end always does. */
export const PULL_CHANGE_INTERVAL_MS = 1000;

interface InFlightPull {
  readonly startedAt: number;
  readonly controller: AbortController;
  progress?: PullProgress;
  /** When progress last woke the loop. */
  changedAt?: number;
  done?: Promise<void>;
}

/**
 * Pulls images in the background, so the agent's loop never waits on a registry: the loop
 * asks for an image each pass (`request`) and creates the container once the requester
 * `isSatisfied`, meanwhile showing `view` in the pod's status.
 *
 * One pull per image at a time however many containers need it; a failed image backs off
 * (ImagePullBackOff) by kubelet's doubling delay, and only a `request` after `retryAt`
 * pulls it again (no timers here: the loop wakes itself at `retryAt`). Different images
 * pull side by side. Events go to each requester's pod and container, with Kubernetes'
 * reasons and messages.
 */
export class ImagePuller {
  private readonly ledger: PullLedger;
  private readonly pulls = new Map<string, InFlightPull>();
  private isStopped = false;

  constructor(private readonly deps: ImagePullerDeps) {
    this.ledger = new PullLedger(deps.backoff);
  }

  /**
   * Asks for `image` to be pulled for `requester`. Starts a pull unless one of that image
   * is in flight (the requester joins it) or the image is in backoff (retryAt > now:
   * nothing happens but a BackOff event, once per backoff period per requester). Never
   * waits for the pull. Idempotent: asking again changes nothing. Does nothing once stopped.
   */
  request(image: string, requester: PullRequester): void {
    if (this.isStopped) return;
    const decision = this.ledger.request(image, requester, this.deps.clock.mono());
    switch (decision.kind) {
      case 'start':
        this.start(image, decision.requesters);
        return;
      case 'joined':
        this.announce(requester, image, 'Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`);
        return;
      case 'backoff':
        if (decision.isNew) {
          this.announce(requester, image, 'Warning', 'BackOff', `Back-off pulling image ${JSON.stringify(image)}`, {
            retryAt: this.wallIso(decision.failure.retryAt),
          });
        }
        return;
      case 'unchanged':
        return;
      default: {
        const unknown: never = decision;
        throw new Error(`unknown pull decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** True once a pull of the requester's image that started at or after its request (or that it joined) has succeeded. */
  isSatisfied(requesterKey: string): boolean {
    return this.ledger.isSatisfied(requesterKey);
  }

  /** Forgets a requester (its container was created, or its pod is gone). A pull it waited on goes on. */
  release(requesterKey: string): void {
    this.ledger.release(requesterKey);
  }

  view(image: string): PullView | undefined {
    const pull = this.pulls.get(image);
    const failure = this.ledger.failure(image);
    if (pull === undefined && failure === undefined) return undefined;
    return {
      ...(pull !== undefined
        ? { inFlight: { startedAt: pull.startedAt, ...(pull.progress !== undefined ? { progress: pull.progress } : {}) } }
        : {}),
      ...(failure !== undefined ? { failure } : {}),
    };
  }

  /**
   * Forgets failures of images not in `images` and requesters not in `requesterKeys`
   * (bounded memory). A pull in flight goes on: its image lands on the engine either way.
   */
  retain(images: ReadonlySet<string>, requesterKeys: ReadonlySet<string>): void {
    this.ledger.retain(images, requesterKeys);
  }

  /** Aborts the pulls in flight and resolves once they have settled; no events, no failure recorded, no onChange. */
  async stop(): Promise<void> {
    this.isStopped = true;
    const settling = [...this.pulls.values()].map((pull) => {
      pull.controller.abort();
      return pull.done;
    });
    await Promise.all(settling);
  }

  private start(image: string, requesters: readonly PullRequester[]): void {
    const pull: InFlightPull = { startedAt: this.deps.clock.mono(), controller: new AbortController() };
    this.pulls.set(image, pull);
    for (const requester of requesters) {
      this.announce(requester, image, 'Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`);
    }
    pull.done = this.run(image, pull);
  }

  /** Runs one pull to its end; never rejects. */
  private async run(image: string, pull: InFlightPull): Promise<void> {
    const { signal } = pull.controller;
    let error: unknown;
    let isOk = false;
    try {
      await this.deps.runtime.pullImage(image, { signal, onProgress: (progress) => this.progressed(image, pull, progress) });
      isOk = true;
    } catch (caught) {
      error = caught;
    }
    this.pulls.delete(image);
    if (signal.aborted) {
      this.ledger.aborted(image);
      this.deps.log.info({ image }, 'image pull aborted');
      return;
    }
    if (isOk) this.succeeded(image, pull);
    else this.failed(image, error);
    this.deps.onChange();
  }

  private succeeded(image: string, pull: InFlightPull): void {
    const seconds = ((this.deps.clock.mono() - pull.startedAt) / 1000).toFixed(3);
    for (const requester of this.ledger.succeeded(image)) {
      this.announce(requester, image, 'Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(image)} in ${seconds}s`);
    }
  }

  private failed(image: string, error: unknown): void {
    // The event names the image itself, so it carries the engine's reason without our prefix.
    const reason = error instanceof ImagePullError ? describe(error.cause) : describe(error);
    const { failure, requesters } = this.ledger.failed(image, describe(error), this.deps.clock.mono());
    for (const requester of requesters) {
      this.announce(requester, image, 'Warning', 'Failed', `Failed to pull image ${JSON.stringify(image)}: ${reason}`, {
        failures: failure.failures,
        retryAt: this.wallIso(failure.retryAt),
      });
    }
    if (requesters.length === 0) {
      this.deps.log.warn({ image, reason: 'ErrImagePull', error: reason, failures: failure.failures }, 'image pull failed');
    }
  }

  /** Keeps the latest progress for `view`; wakes the loop at most once per interval. A late report after the pull's end is dropped. */
  private progressed(image: string, pull: InFlightPull, progress: PullProgress): void {
    if (this.pulls.get(image) !== pull || pull.controller.signal.aborted) return;
    pull.progress = progress;
    const now = this.deps.clock.mono();
    if (pull.changedAt !== undefined && now - pull.changedAt < PULL_CHANGE_INTERVAL_MS) return;
    pull.changedAt = now;
    this.deps.onChange();
  }

  /** A monotonic time as the wall clock now dates it, for people reading the log. */
  private wallIso(mono: number): string {
    return new Date(wallTimeOf(mono, readClock(this.deps.clock))).toISOString();
  }

  /** Emits an event to the requester's pod and container, and logs it once with the same reason. */
  private announce(
    requester: PullRequester,
    image: string,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    extra: Record<string, string | number> = {},
  ): void {
    const where = { pod: requester.pod, container: requester.container };
    this.deps.events.emit({ type, reason, message, ...where });
    const fields = { ...where, image, reason, ...extra };
    if (type === 'Warning') this.deps.log.warn(fields, message);
    else this.deps.log.info(fields, message);
  }
}
