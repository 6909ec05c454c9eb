import { describe, expect, it } from 'vitest';
import { backoffDelay, KUBELET_BACKOFF, nextBackoff } from './backoff.js';

describe('backoffDelay', () => {
  it('is 10 s after one failure, doubling to a 300 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelay(n, KUBELET_BACKOFF) / 1000)).toEqual([0, 10, 20, 40, 80, 160, 300, 300, 300]);
  });
});

describe('nextBackoff', () => {
  it('starts at the initial wait and doubles to the cap', () => {
    expect(nextBackoff(undefined, KUBELET_BACKOFF)).toBe(10_000);
    expect(nextBackoff(0, KUBELET_BACKOFF)).toBe(10_000);
    expect(nextBackoff(10_000, KUBELET_BACKOFF)).toBe(20_000);
    expect(nextBackoff(160_000, KUBELET_BACKOFF)).toBe(300_000);
    expect(nextBackoff(300_000, KUBELET_BACKOFF)).toBe(300_000);
  });
});
