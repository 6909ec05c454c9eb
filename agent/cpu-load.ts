import { cpus } from 'node:os';

/**
 * The node's CPU load between two heartbeats, from the kernel's per-CPU time counters
 * (os.cpus(), read from /proc/stat without starting a process). Pure but for `readCpuTimes`.
 */

/** Time spent busy and in total, summed over every CPU, in ms since boot. */
export interface CpuTimes {
  readonly busyMs: number;
  readonly totalMs: number;
}

export function readCpuTimes(): CpuTimes {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const total = times.user + times.nice + times.sys + times.idle + times.irq;
    totalMs += total;
    busyMs += total - times.idle;
  }
  return { busyMs, totalMs };
}

/**
 * The share of all CPUs' time spent busy between `before` and `after`, in percent with
 * one decimal; 0 when no time passed (two reads in the same tick) or the counters went
 * backwards (a CPU taken offline).
 */
export function cpuPercentBetween(before: CpuTimes, after: CpuTimes): number {
  const total = after.totalMs - before.totalMs;
  const busy = after.busyMs - before.busyMs;
  if (total <= 0 || busy < 0) return 0;
  return Math.round((Math.min(busy, total) / total) * 1000) / 10;
}
