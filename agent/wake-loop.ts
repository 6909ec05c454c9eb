import type { Logger } from '../protocol/log.js';

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs one reconcile pass at a time. Wake-ups (a new desired state, a Docker event, the
 * resync timer, a pod's retry time) only ask for a pass: while one runs, any number of
 * wake-ups collapse into one more pass after it. Latest wins, nothing queues up.
 * Times are on `now`, a monotonic clock (Clock.mono), so a jump of the wall clock moves
 * no wake-up.
 */
export class WakeLoop {
  private isRunning = false;
  private isPending = false;
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private isStopped = false;
  private passSince: number | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks for a pass as soon as possible. */
  wake(): void {
    if (this.isStopped) return;
    this.isPending = true;
    if (!this.isRunning) void this.run();
  }

  /**
   * Asks for a pass at `at` (on `now`'s clock); keeps only the earliest such request. A
   * time beyond setTimeout's reach (about 24 days) wakes a pass then, which asks again.
   */
  wakeAt(at: number): void {
    if (this.isStopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.wake();
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.now())));
  }

  /** When the pass under way began (on `now`'s clock); undefined while none runs. A pass that never ends shows here. */
  busySince(): number | undefined {
    return this.passSince;
  }

  /** Resolves when no pass is running or asked for. */
  idle(): Promise<void> {
    if (!this.isRunning && !this.isPending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops waking; resolves once the running pass (if any) has finished. */
  async stop(): Promise<void> {
    this.isStopped = true;
    this.isPending = false;
    clearTimeout(this.timer);
    await this.idle();
  }

  private async run(): Promise<void> {
    this.isRunning = true;
    while (this.isPending && !this.isStopped) {
      this.isPending = false;
      this.passSince = this.now();
      try {
        await this.pass();
      } catch (error) {
        this.log.error({ reason: error instanceof Error ? error.message : String(error) }, 'reconcile pass failed; the next wake-up or resync tries again');
      }
    }
    this.passSince = undefined;
    this.isRunning = false;
    this.isPending = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
