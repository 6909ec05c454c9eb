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
 */
export class Wakeable {
  private queued = false;

  constructor(
    private readonly queue: SerialQueue,
    private readonly job: () => Promise<void>,
  ) {}

  wake(): void {
    if (this.queued) return;
    this.queued = true;
    void this.queue.run(async () => {
      this.queued = false;
      await this.job();
    });
  }
}
