/**
 * Runs async jobs one at a time, in the order they were queued, so that every change
 * to the coordinator's state (a request, a control-loop pass) sees the previous one
 * finished and persisted. A failing job does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private startedAt: number | undefined;

  /** `now`: a monotonic clock in ms, read when a job starts (see busySince). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      this.startedAt = this.now();
      return job();
    });
    const finished = (): void => {
      this.startedAt = undefined;
    };
    this.tail = result.then(finished, finished);
    return result;
  }

  /**
   * When the job under way began (on `now`'s clock); undefined while the queue is idle.
   * A job that never ends shows here: it is what the systemd watchdog looks at.
   */
  busySince(): number | undefined {
    return this.startedAt;
  }

  /** Resolves once every job queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/**
 * A wake-up for one job on a SerialQueue: waking it while a run is already queued and
 * not yet started does nothing (that run will see the latest state), so wake-ups never
 * pile up, however many events arrive.
 *
 * After a run that took d ms, the next one waits until d ms have passed since it ended
 * (at most MAX_REST_MS). A pass looks at the whole state, so it grows with the fleet;
 * run back to back while reports stream in (ten thousand pods starting), passes would
 * leave the event loop no time to read the broker's messages, fall further behind, and
 * miss the MQTT keep-alive. Resting as long as the last pass took keeps at least half
 * the time for reading, and each pass then takes in all that arrived meanwhile. An idle
 * loop's next pass starts at once, as before.
 */
export class Wakeable {
  private queued = false;
  /** When (on the queue's clock, `now`) the next run may start. */
  private restUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly queue: SerialQueue,
    private readonly job: () => Promise<void>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  wake(): void {
    if (this.queued) return;
    this.queued = true;
    const enqueue = (): void => {
      void this.queue.run(async () => {
        this.queued = false;
        const startedAt = this.now();
        try {
          await this.job();
        } finally {
          const ended = this.now();
          this.restUntil = ended + Math.min(ended - startedAt, MAX_REST_MS);
        }
      });
    };
    const restMs = this.restUntil - this.now();
    if (restMs > 0) setTimeout(enqueue, restMs);
    else enqueue();
  }
}

/** The longest rest between two passes: a pass that took longer is the fleet's size, not news. */
const MAX_REST_MS = 1000;
