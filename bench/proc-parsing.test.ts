import { describe, expect, it } from 'vitest';
import { parseProcStat, percentOfCore } from './proc-cpu.js';
import { memorySpread, parseSmapsRollup, spread } from './proc-memory.js';

const ROLLUP = `55c7bb614000-7ffd7e7c1000 ---p 00000000 00:00 0                          [rollup]
Rss:                1672 kB
Pss:                 198 kB
Pss_Dirty:           112 kB
Shared_Clean:       1520 kB
Shared_Dirty:          0 kB
Private_Clean:        40 kB
Private_Dirty:       112 kB
Anonymous:           112 kB
Swap:                  0 kB
`;

describe('parseSmapsRollup', () => {
  it('reads RSS, Pss, private (clean + dirty) and anonymous in bytes', () => {
    expect(parseSmapsRollup(ROLLUP)).toEqual({ rss: 1672 * 1024, pss: 198 * 1024, private: 152 * 1024, anonymous: 112 * 1024 });
  });
  it('does not take Pss_Dirty for Pss', () => {
    expect(() => parseSmapsRollup(ROLLUP.replace('Pss:                 198 kB\n', ''))).toThrow(/Pss/);
  });
  it('throws when a field is missing', () => {
    expect(() => parseSmapsRollup('Rss: 1 kB\n')).toThrow(/Pss/);
  });
});

describe('spread', () => {
  it.each([
    [[5], 5, 5],
    [[3, 1, 2], 2, 3],
    [[4, 1, 3, 2], 2.5, 4],
    [[10, 10, 10, 90], 10, 90],
  ])('of %j: median %d, max %d', (samples, median, max) => {
    expect(spread(samples)).toEqual({ median, max });
  });
  it('refuses no samples', () => {
    expect(() => spread([])).toThrow();
  });
  it('spreads each memory figure on its own', () => {
    const s = memorySpread([{ rss: 3, pss: 2, private: 1, anonymous: 9 }, { rss: 5, pss: 1, private: 4, anonymous: 7 }, { rss: 4, pss: 3, private: 2, anonymous: 8 }]);
    expect(s).toEqual({ samples: 3, rss: { median: 4, max: 5 }, pss: { median: 2, max: 3 }, private: { median: 2, max: 4 }, anonymous: { median: 8, max: 9 } });
  });
});

describe('parseProcStat', () => {
  const stat = (comm: string): string => `21892 (${comm}) S 21888 21888 3543 0 -1 4194304 100 0 0 0 170 30 7 5 20 0 11 0 2306752 3133440 410 18446744073709551615 0 0`;
  it('reads utime + stime and cutime + cstime', () => {
    expect(parseProcStat(stat('node'))).toEqual({ own: 200, children: 12 });
  });
  it('copes with spaces and parentheses in the command name', () => {
    expect(parseProcStat(stat('a) b (c'))).toEqual({ own: 200, children: 12 });
  });
  it('throws on a truncated line', () => {
    expect(() => parseProcStat('1 (x) S 0 0')).toThrow(/too short/);
  });
});

describe('percentOfCore', () => {
  it('is ticks over ticks per second over the window', () => {
    expect(percentOfCore(60, 100, 60_000)).toBeCloseTo(1);
    expect(percentOfCore(0, 100, 10_000)).toBe(0);
  });
});
