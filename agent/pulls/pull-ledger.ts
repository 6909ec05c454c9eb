import type { BackoffPolicy } from '../backoff.js';
import { isBackingOff, recordPullFailure, type PullFailure } from './pull-failure.js';

/** One container's one creation attempt waiting for its image; the key is the caller's. */
export interface PullRequester {
  readonly key: string;
  readonly pod: string;
  readonly container: string;
}

/**
 * What a request leads to. `start`: begin a pull of the image for these requesters (the
 * one asking and any others still waiting for that image). `joined`: the requester now
 * waits on the pull in flight. `backoff`: refused, the image's last pull failed and its
 * retry time has not come; `isNew` is true the first time this requester is told so in
 * this backoff period (once per period is enough for a BackOff event). `unchanged`:
 * nothing to do (already satisfied, or already waiting on the pull in flight).
 */
export type PullDecision =
  | { readonly kind: 'start'; readonly requesters: readonly PullRequester[] }
  | { readonly kind: 'joined' }
  | { readonly kind: 'backoff'; readonly failure: PullFailure; readonly isNew: boolean }
  | { readonly kind: 'unchanged' };

type RequesterState =
  /** Asked, no pull under way for it (refused by backoff, or its pull failed). */
  | 'waiting'
  /** Waiting on the pull in flight; satisfied if it succeeds. */
  | 'pulling'
  /** A pull that began at or after its request (or that it joined) succeeded. */
  | 'satisfied';

interface RequesterEntry {
  readonly requester: PullRequester;
  readonly image: string;
  state: RequesterState;
  /** The `retryAt` of the backoff period this requester was last told about. */
  backOffNotedFor?: number;
}

/**
 * The bookkeeping of image pulls, without I/O or timers: who waits for which image, which
 * images are being pulled, which failed and until when they back off. ImagePuller drives
 * it and performs the pulls; every decision here is a plain function of the calls made
 * and the times passed in, so it is tested without a runtime or a clock.
 *
 * A requester is satisfied only by a pull that started at or after its request, or one it
 * joined while in flight (as fresh as a new one): that is what imagePullPolicy Always
 * needs, a fresh pull for every start of a container, and each start is a new requester.
 */
export class PullLedger {
  private readonly requesters = new Map<string, RequesterEntry>();
  private readonly failures = new Map<string, PullFailure>();
  private readonly pulling = new Set<string>();

  constructor(private readonly policy: BackoffPolicy) {}

  /** Records that `requester` needs `image` at `now`, and says what to do about it. */
  request(image: string, requester: PullRequester, now: number): PullDecision {
    let entry = this.requesters.get(requester.key);
    if (entry === undefined || entry.image !== image) {
      entry = { requester, image, state: 'waiting' };
      this.requesters.set(requester.key, entry);
    }
    if (entry.state !== 'waiting') return { kind: 'unchanged' };
    if (this.pulling.has(image)) {
      entry.state = 'pulling';
      return { kind: 'joined' };
    }
    const failure = this.failures.get(image);
    if (failure !== undefined && isBackingOff(failure, now)) {
      const isNew = entry.backOffNotedFor !== failure.retryAt;
      entry.backOffNotedFor = failure.retryAt;
      return { kind: 'backoff', failure, isNew };
    }
    this.pulling.add(image);
    const started: PullRequester[] = [];
    for (const other of this.requesters.values()) {
      if (other.image !== image || other.state !== 'waiting') continue;
      other.state = 'pulling';
      started.push(other.requester);
    }
    return { kind: 'start', requesters: started };
  }

  /** The pull of `image` succeeded: its requesters are satisfied and its failures forgotten. Returns them. */
  succeeded(image: string): PullRequester[] {
    this.pulling.delete(image);
    this.failures.delete(image);
    return this.settle(image, 'satisfied');
  }

  /** The pull of `image` failed at `at`: it backs off, its requesters wait again. Returns them and the new record. */
  failed(image: string, message: string, at: number): { failure: PullFailure; requesters: PullRequester[] } {
    this.pulling.delete(image);
    const failure = recordPullFailure(this.failures.get(image), message, at, this.policy);
    this.failures.set(image, failure);
    return { failure, requesters: this.settle(image, 'waiting') };
  }

  /** The pull of `image` was cut short (the agent stops): no failure, its requesters wait again. */
  aborted(image: string): void {
    this.pulling.delete(image);
    this.settle(image, 'waiting');
  }

  isPulling(image: string): boolean {
    return this.pulling.has(image);
  }

  isSatisfied(requesterKey: string): boolean {
    return this.requesters.get(requesterKey)?.state === 'satisfied';
  }

  failure(image: string): PullFailure | undefined {
    return this.failures.get(image);
  }

  release(requesterKey: string): void {
    this.requesters.delete(requesterKey);
  }

  /** Forgets the failures of images not in `images` and the requesters not in `requesterKeys`. */
  retain(images: ReadonlySet<string>, requesterKeys: ReadonlySet<string>): void {
    for (const image of this.failures.keys()) {
      if (!images.has(image)) this.failures.delete(image);
    }
    for (const key of this.requesters.keys()) {
      if (!requesterKeys.has(key)) this.requesters.delete(key);
    }
  }

  /** Moves the requesters of the pull of `image` that just ended to `state`; returns them. */
  private settle(image: string, state: 'satisfied' | 'waiting'): PullRequester[] {
    const settled: PullRequester[] = [];
    for (const entry of this.requesters.values()) {
      if (entry.image !== image || entry.state !== 'pulling') continue;
      entry.state = state;
      settled.push(entry.requester);
    }
    return settled;
  }
}
