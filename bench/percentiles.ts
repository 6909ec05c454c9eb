/**
 * Order statistics of a series of timings. Percentiles use the nearest-rank rule: the
 * p-th percentile is a value actually measured, the smallest with at least p % of the
 * samples at or below it. With 20 samples the p99 is therefore the largest one (a p99
 * needs 100 samples before it differs from the maximum); the report says so.
 */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The nearest-rank `p`-th percentile (0 < p <= 100) of `samples`. Throws on an empty series. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`a percentile is in (0, 100], not ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/** Undefined for an empty series, so a report can print a dash rather than a made-up figure. */
export function summarize(samples: readonly number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  return { count: samples.length, min: Math.min(...samples), p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples) };
}
