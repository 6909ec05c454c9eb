import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { WakeLoop } from './wake-loop.js';

const log = createLogger('test', 'silent');

describe('WakeLoop', () => {
  it('collapses wake-ups during a pass into one more pass', async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const loop = new WakeLoop(async () => {
      passes++;
      if (passes === 1) await new Promise<void>((r) => (release = r));
    }, log);
    loop.wake();
    for (let i = 0; i < 100; i++) loop.wake();
    release();
    await loop.idle();
    expect(passes).toBe(2);
  });

  it('never runs two passes at once', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const gates: (() => void)[] = [];
    const loop = new WakeLoop(async () => {
      passes++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => gates.push(r));
      active--;
    }, log);
    loop.wake();
    loop.wake(); // asked for while the first pass runs
    expect(gates).toHaveLength(1);
    gates.shift()?.();
    await vi.waitFor(() => expect(passes).toBe(2));
    loop.wake(); // asked for while the second pass runs
    gates.shift()?.();
    await vi.waitFor(() => expect(passes).toBe(3));
    gates.shift()?.();
    await loop.idle();
    expect(maxActive).toBe(1);
  });

  it('keeps going after a failed pass', async () => {
    let passes = 0;
    const loop = new WakeLoop(async () => {
      passes++;
      if (passes === 1) throw new Error('boom');
    }, log);
    loop.wake();
    await loop.idle();
    loop.wake();
    await loop.idle();
    expect(passes).toBe(2);
  });

  it('wakes at the earliest requested time, and not after stop', async () => {
    vi.useFakeTimers();
    try {
      let passes = 0;
      const loop = new WakeLoop(async () => {
        passes++;
      }, log, () => Date.now());
      const now = Date.now();
      loop.wakeAt(now + 20);
      loop.wakeAt(now + 5000);
      await vi.advanceTimersByTimeAsync(19);
      expect(passes).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      await loop.idle();
      expect(passes).toBe(1);
      loop.wakeAt(Date.now() + 10);
      await loop.stop();
      await vi.advanceTimersByTimeAsync(30);
      expect(passes).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits out a time beyond setTimeout\'s reach instead of firing at once', async () => {
    vi.useFakeTimers();
    try {
      let passes = 0;
      const loop = new WakeLoop(async () => {
        passes++;
      }, log, () => Date.now());
      loop.wakeAt(Date.now() + 3 * 365 * 24 * 3600_000);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(passes).toBe(0);
      // It wakes once at the timer's limit (about 24.8 days), not before.
      await vi.advanceTimersByTimeAsync(2 ** 31 - 1 - 60_000);
      await loop.idle();
      expect(passes).toBe(1);
      await loop.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('tells since when the pass under way runs, and nothing while idle', async () => {
    let mono = 1000;
    let release: () => void = () => undefined;
    const loop = new WakeLoop(() => new Promise<void>((r) => (release = r)), log, () => mono);
    expect(loop.busySince()).toBeUndefined();
    loop.wake();
    mono = 5000;
    expect(loop.busySince()).toBe(1000);
    release();
    await loop.idle();
    expect(loop.busySince()).toBeUndefined();
  });
});
