import { describe, expect, it } from 'vitest';
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
    const loop = new WakeLoop(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    }, log);
    for (let i = 0; i < 5; i++) {
      loop.wake();
      await new Promise((r) => setTimeout(r, 2));
    }
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
    let passes = 0;
    const loop = new WakeLoop(async () => {
      passes++;
    }, log);
    loop.wakeAt(Date.now() + 20, Date.now());
    loop.wakeAt(Date.now() + 5000, Date.now());
    await new Promise((r) => setTimeout(r, 60));
    await loop.idle();
    expect(passes).toBe(1);
    loop.wakeAt(Date.now() + 10, Date.now());
    await loop.stop();
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toBe(1);
  });
});
