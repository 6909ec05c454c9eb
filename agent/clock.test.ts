import { describe, expect, it } from 'vitest';
import { monoDeadline, wallTimeOf } from './clock.js';
import { YEAR_MS } from './testing/fake-clock.js';

const WALL = Date.parse('2026-01-01T12:00:00Z');
const MONO = 50_000;

describe('monoDeadline', () => {
  // A back-off of 20 s counted from an exit at WALL - 5 s, first seen 3 s ago (MONO - 3000).
  const wallAt = WALL - 5000 + 20_000;
  const seen = MONO - 3000;
  const cases: { name: string; wall: number; expected: number }[] = [
    { name: 'the clock is right: exactly the wall-clock deadline', wall: WALL, expected: MONO + 15_000 },
    { name: 'set back by years: no later than first sight plus the wait', wall: WALL - 10 * YEAR_MS, expected: seen + 20_000 },
    { name: 'set back a little: the wait is still bounded', wall: WALL - 60_000, expected: seen + 20_000 },
    { name: 'set forward by years: due at once (cut short, never longer)', wall: WALL + 10 * YEAR_MS, expected: MONO + 15_000 - 10 * YEAR_MS },
    { name: 'set forward a little: shorter', wall: WALL + 10_000, expected: MONO + 5000 },
  ];
  it.each(cases)('$name', ({ wall, expected }) => {
    const due = monoDeadline(wallAt, 20_000, seen, { wall, mono: MONO });
    expect(due).toBe(expected);
    expect(due).toBeLessThanOrEqual(seen + 20_000);
  });

  it('counts an unknown wall-clock time as the whole wait from first sight', () => {
    expect(monoDeadline(NaN, 20_000, seen, { wall: WALL, mono: MONO })).toBe(seen + 20_000);
  });

  it('with no wait of its own, never puts a past event in the future (a start time read after the clock was set back)', () => {
    expect(monoDeadline(WALL + YEAR_MS, 0, MONO, { wall: WALL, mono: MONO })).toBe(MONO);
    expect(monoDeadline(WALL - 7000, 0, MONO, { wall: WALL, mono: MONO })).toBe(MONO - 7000);
  });
});

describe('wallTimeOf', () => {
  it('dates a monotonic time by the wall clock as it reads now', () => {
    expect(wallTimeOf(MONO + 10_000, { wall: WALL, mono: MONO })).toBe(WALL + 10_000);
  });
});
