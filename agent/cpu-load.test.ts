import { describe, expect, it } from 'vitest';
import { cpuPercentBetween, readCpuTimes } from './cpu-load.js';

describe('cpuPercentBetween', () => {
  it.each([
    [{ busyMs: 100, totalMs: 1000 }, { busyMs: 350, totalMs: 2000 }, 25],
    [{ busyMs: 0, totalMs: 0 }, { busyMs: 1, totalMs: 3 }, 33.3],
    [{ busyMs: 10, totalMs: 10 }, { busyMs: 10, totalMs: 10 }, 0],
    [{ busyMs: 50, totalMs: 100 }, { busyMs: 40, totalMs: 90 }, 0],
    [{ busyMs: 0, totalMs: 0 }, { busyMs: 500, totalMs: 500 }, 100],
  ])('%o -> %o is %d %%', (before, after, percent) => {
    expect(cpuPercentBetween(before, after)).toBe(percent);
  });
});

describe('readCpuTimes', () => {
  it("reads this machine's counters: busy within total, and they only grow", () => {
    const first = readCpuTimes();
    expect(first.totalMs).toBeGreaterThan(0);
    expect(first.busyMs).toBeGreaterThan(0);
    expect(first.busyMs).toBeLessThanOrEqual(first.totalMs);
    const second = readCpuTimes();
    expect(second.totalMs).toBeGreaterThanOrEqual(first.totalMs);
  });
});
