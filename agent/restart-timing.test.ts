import { describe, expect, it } from 'vitest';
import { exitKey, ExitSightings, restartDueAt } from './restart-timing.js';
import { instance, pod, T0 } from './testing/fixtures.js';
import { YEAR_MS } from './testing/fake-clock.js';

const web = pod('web');

describe('ExitSightings', () => {
  it('notes each exited instance once, at its first sight, and forgets what is no longer exited', () => {
    const sightings = new ExitSightings();
    const exited = instance(web, 'main', { state: 'exited', finishedAt: T0 });
    const running = instance(web, 'main', { state: 'running' });
    sightings.observe([exited, running], 100);
    sightings.observe([exited, running], 900);
    expect([...sightings.seenAt]).toEqual([[exitKey(exited), 100]]);
    sightings.observe([running], 1000);
    expect(sightings.seenAt.size).toBe(0);
  });

  it('takes an instance that exited again (started in place) as a new exit', () => {
    const sightings = new ExitSightings();
    const first = instance(web, 'main', { state: 'exited', finishedAt: T0, id: 'c1' });
    sightings.observe([first], 100);
    const again = { ...first, finishedAt: new Date(T0 + 60_000).toISOString() };
    sightings.observe([again], 200);
    expect([...sightings.seenAt]).toEqual([[exitKey(again), 200]]);
  });
});

describe('restartDueAt', () => {
  const exited = instance(web, 'main', { state: 'exited', finishedAt: T0 - 1000 });
  const decision = { at: T0 - 1000 + 20_000, delayMs: 20_000 };
  it.each([
    { name: 'clock right', now: T0, expected: 5000 + 19_000 },
    { name: 'clock set back by years', now: T0 - 30 * YEAR_MS, expected: 4500 + 20_000 },
    { name: 'clock set forward by years', now: T0 + 30 * YEAR_MS, expected: 5000 + 19_000 - 30 * YEAR_MS },
  ])('$name', ({ now, expected }) => {
    // Exited 1 s before T0 (mono 5000), seen half a second later.
    const seen = new Map([[exitKey(exited), 4500]]);
    expect(restartDueAt(exited, decision, { now, mono: 5000, exitsSeenAt: seen })).toBe(expected);
  });

  it('counts an instance never noted as seen now', () => {
    expect(restartDueAt(exited, decision, { now: T0 - YEAR_MS, mono: 5000, exitsSeenAt: new Map() })).toBe(25_000);
  });
});
