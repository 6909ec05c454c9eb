import { describe, expect, it } from 'vitest';
import { formatCpu, formatMemory, humanMemory, parseCpuMillis, parseMemoryBytes } from './quantity.js';

describe('parseCpuMillis', () => {
  it.each([
    ['500m', 500], ['1', 1000], ['0.5', 500], ['2', 2000], [1, 1000], [0.25, 250],
    ['100m', 100], ['1.5', 1500], ['0.0001', 1], ['1e0', 1000],
  ])('%s -> %d millicores', (input, expected) => {
    expect(parseCpuMillis(input)).toBe(expected);
  });

  it.each(['', 'abc', '-1', '1 cores', '5x', 'm'])('rejects %j', (input) => {
    expect(parseCpuMillis(input)).toBeUndefined();
  });
});

describe('parseMemoryBytes', () => {
  it.each([
    ['128Mi', 128 * 2 ** 20], ['1G', 1e9], ['1Gi', 2 ** 30], ['512M', 512e6],
    ['1e3', 1000], ['100', 100], ['1.5Gi', 1.5 * 2 ** 30], ['64Ki', 65536], [1024, 1024],
  ])('%s -> %d bytes', (input, expected) => {
    expect(parseMemoryBytes(input)).toBe(expected);
  });

  it.each(['', '12 Mi', 'Mi', '1Q', '-5M'])('rejects %j', (input) => {
    expect(parseMemoryBytes(input)).toBeUndefined();
  });
});

describe('formatting', () => {
  it('formats CPU as cores or millicores', () => {
    expect(formatCpu(2000)).toBe('2');
    expect(formatCpu(1500)).toBe('1500m');
  });

  it('formats memory in the largest exact binary unit', () => {
    expect(formatMemory(2 ** 30)).toBe('1Gi');
    expect(formatMemory(3 * 2 ** 20)).toBe('3Mi');
    expect(formatMemory(1000)).toBe('1000');
    expect(humanMemory(1.5 * 2 ** 30)).toBe('1.5Gi');
  });
});
