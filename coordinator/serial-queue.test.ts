import { describe, expect, it } from 'vitest';
import { SerialQueue, Wakeable } from './serial-queue.js';

/** A promise the test resolves by hand, to hold a job open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('SerialQueue', () => {
  it('runs jobs one at a time in order, and carries on after a failure', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const first = gate();
    const a = queue.run(async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
    });
    const b = queue.run(async () => {
      log.push('b');
      throw new Error('boom');
    });
    const c = queue.run(async () => {
      log.push('c');
      return 42;
    });
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.open();
    await a;
    await expect(b).rejects.toThrow('boom');
    expect(await c).toBe(42);
    expect(log).toEqual(['a start', 'a end', 'b', 'c']);
  });
});

describe('SerialQueue.busySince', () => {
  it('is the start of the job under way, the next job\'s once it starts, and undefined when idle (also after a failure)', async () => {
    let now = 100;
    const queue = new SerialQueue(() => now);
    expect(queue.busySince()).toBeUndefined();
    const first = gate();
    const second = gate();
    const a = queue.run(() => first.promise);
    const b = queue.run(async () => {
      await second.promise;
      throw new Error('boom');
    });
    await Promise.resolve();
    expect(queue.busySince()).toBe(100);
    now = 5000; // the first job is still under way: its start stands
    expect(queue.busySince()).toBe(100);
    first.open();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.busySince()).toBe(5000);
    second.open();
    await expect(b).rejects.toThrow('boom');
    await queue.idle();
    expect(queue.busySince()).toBeUndefined();
  });
});

describe('Wakeable', () => {
  it('coalesces wake-ups while a run is queued, and runs again when woken during a run', async () => {
    const queue = new SerialQueue();
    let runs = 0;
    const holding = gate();
    let hold: Promise<void> | undefined = holding.promise;
    const wakeable = new Wakeable(queue, async () => {
      runs++;
      const h = hold;
      hold = undefined;
      await h;
    });
    wakeable.wake();
    wakeable.wake();
    wakeable.wake();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(1); // the first run is in progress, held open
    wakeable.wake(); // woken during the run: one more run afterwards
    wakeable.wake();
    holding.open();
    await queue.idle();
    await queue.idle();
    expect(runs).toBe(2);
  });
});

describe('Wakeable pacing', () => {
  it('starts a run at once when idle, and rests as long as the last run took before the next', async () => {
    let clock = 0;
    const queue = new SerialQueue(() => clock);
    const starts: number[] = [];
    const wakeable = new Wakeable(
      queue,
      async () => {
        starts.push(clock);
        clock += 40; // the run takes 40 ms
      },
      () => clock,
    );
    wakeable.wake();
    await queue.idle();
    expect(starts).toEqual([0]);
    wakeable.wake(); // 40 ms after a 40 ms run ended: it waits until 80
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(starts).toEqual([0]);
    clock = 80;
    await new Promise((resolve) => setTimeout(resolve, 60));
    await queue.idle();
    expect(starts).toEqual([0, 80]);
    clock = 1000; // long idle: at once again
    wakeable.wake();
    await queue.idle();
    expect(starts).toEqual([0, 80, 1000]);
  });
});
