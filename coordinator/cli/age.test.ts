import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration } from './age.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('formatDuration (kubectl AGE)', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-5 * S, '<invalid>'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 10 * M, '5h10m'],
    [8 * H + 10 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [5 * D, '5d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D + 3 * H, '8d'],
    [400 * D, '400d'],
    [2 * 365 * D + 10 * D, '2y10d'],
    [9 * 365 * D, '9y'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');

  it('measures from an RFC 3339 time to now', () => {
    expect(formatAge('2026-01-01T11:59:15Z', now)).toBe('45s');
    expect(formatAge('2025-12-27T12:00:00Z', now)).toBe('5d');
  });

  it.each([undefined, '', 'yesterday'])('prints <unknown> for %j', (since) => {
    expect(formatAge(since, now)).toBe('<unknown>');
  });
});
