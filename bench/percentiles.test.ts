import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './percentiles.js';

describe('percentile (nearest rank)', () => {
  it.each([
    { samples: [5], p: 50, expected: 5 },
    { samples: [3, 1, 2], p: 50, expected: 2 },
    { samples: [4, 1, 3, 2], p: 50, expected: 2 },
    { samples: [4, 1, 3, 2], p: 75, expected: 3 },
    { samples: Array.from({ length: 20 }, (_, i) => 20 - i), p: 99, expected: 20 },
    { samples: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, expected: 99 },
    { samples: Array.from({ length: 200 }, (_, i) => i + 1), p: 99, expected: 198 },
  ])('p$p of $samples.length samples is $expected', ({ samples, p, expected }) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  it('refuses an empty series and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow('no samples');
    expect(() => percentile([1], 0)).toThrow('(0, 100]');
    expect(() => percentile([1], 101)).toThrow('(0, 100]');
  });

  it('leaves the input in its order', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('gives count, min, p50, p99 and max', () => {
    expect(summarize([30, 10, 20, 40])).toEqual({ count: 4, min: 10, p50: 20, p99: 40, max: 40 });
  });

  it('is undefined for no samples', () => {
    expect(summarize([])).toBeUndefined();
  });
});
