import { readTreeCpu } from '../proc-cpu.js';
import { readMemory } from '../proc-memory.js';

/**
 * The coordinator's memory and CPU while the scale bench runs, read from /proc every
 * `intervalMs`: the peak RSS seen, and the CPU time it used between start() and stop()
 * (as seconds and as a share of one core over that wall time).
 */
export interface CoordinatorUsage {
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** cpuSeconds / wallSeconds, in percent of one core. */
  readonly cpuPercent: number;
}

export class UsageSampler {
  private peakRss = 0;
  private timer: NodeJS.Timeout | undefined;
  private startTicks = 0;
  private startedAt = 0;

  constructor(private readonly pid: number, private readonly hz: number, private readonly intervalMs = 250) {}

  async start(): Promise<void> {
    this.startTicks = await this.ticks();
    this.startedAt = performance.now();
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  async stop(): Promise<CoordinatorUsage> {
    clearInterval(this.timer);
    await this.sample();
    const cpuSeconds = ((await this.ticks()) - this.startTicks) / this.hz;
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    return { peakRssBytes: this.peakRss, cpuSeconds, wallSeconds, cpuPercent: (cpuSeconds / wallSeconds) * 100 };
  }

  private async sample(): Promise<void> {
    const memory = await readMemory(this.pid);
    if (memory !== undefined) this.peakRss = Math.max(this.peakRss, memory.rss);
  }

  private async ticks(): Promise<number> {
    const cpu = await readTreeCpu(this.pid);
    if (cpu === undefined) throw new Error(`the coordinator (pid ${this.pid}) is gone`);
    return cpu.own + cpu.children;
  }
}
