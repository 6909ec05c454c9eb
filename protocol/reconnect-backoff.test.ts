import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_POLICY, INITIAL_RECONNECT_STATE, nextReconnect, reconnectCeilingMs, type ReconnectState } from './reconnect-backoff.js';

const policy = DEFAULT_RECONNECT_POLICY;

/** The waits of `n` attempts in a row that all fail, with the same random draw each time. */
function waits(n: number, random: number, start: ReconnectState = INITIAL_RECONNECT_STATE): number[] {
  const out: number[] = [];
  let state = start;
  for (let i = 0; i < n; i++) {
    const next = nextReconnect(state, { connectedForMs: undefined, random }, policy);
    out.push(next.delayMs);
    state = next.state;
  }
  return out;
}

describe('reconnect back-off', () => {
  it('doubles its ceiling from 1 s up to the 30 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40, 1e9].map((f) => reconnectCeilingMs(f, policy))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it.each([
    { random: 0, expected: [500, 1000, 2000, 4000, 8000, 15_000, 15_000] },
    { random: 0.5, expected: [750, 1500, 3000, 6000, 12_000, 22_500, 22_500] },
    { random: 0.999_999, expected: [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000] },
  ])('waits in the upper half of the ceiling (equal jitter), random $random', ({ random, expected }) => {
    expect(waits(7, random)).toEqual(expected);
  });

  it('spreads a fleet: different draws give different waits within [ceiling/2, ceiling]', () => {
    const state: ReconnectState = { failures: 3 };
    const draws = [0.1, 0.3, 0.6, 0.9].map((random) => nextReconnect(state, { connectedForMs: undefined, random }, policy).delayMs);
    expect(new Set(draws).size).toBe(4);
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('starts over after a connection that stayed up', () => {
    const after = nextReconnect({ failures: 6 }, { connectedForMs: policy.stableMs, random: 0 }, policy);
    expect(after).toEqual({ delayMs: 500, state: { failures: 1 } });
  });

  it('keeps growing after a connection that dropped at once (a broker that accepts, then closes)', () => {
    const after = nextReconnect({ failures: 4 }, { connectedForMs: 200, random: 0 }, policy);
    expect(after).toEqual({ delayMs: 8000, state: { failures: 5 } });
  });

  it('never waits less than half the first ceiling, nor more than the cap, whatever the draw', () => {
    for (const random of [-1, 0, 0.25, 1, 2, Number.NaN]) {
      for (const failures of [0, 1, 10, 100]) {
        const { delayMs } = nextReconnect({ failures }, { connectedForMs: undefined, random }, policy);
        expect(delayMs).toBeGreaterThanOrEqual(policy.initialMs / 2);
        expect(delayMs).toBeLessThanOrEqual(policy.maxMs);
      }
    }
  });
});
