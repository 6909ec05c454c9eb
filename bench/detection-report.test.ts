import { describe, expect, it } from 'vitest';
import { detectionCase, detectionRows, median } from './detection-report.js';

describe('failure detection figures', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reports the time beyond the threshold, median and worst, beside the raw median', () => {
    const rows = detectionRows({ program: 'single binary', rounds: 3, cases: [detectionCase('liveness', '1 s x 3', 3000, [3100, 2900, 3400])] });
    expect(rows[1]).toEqual(['liveness', '1 s x 3', '3100 ms', '100 ms', '400 ms', '3']);
  });
});
