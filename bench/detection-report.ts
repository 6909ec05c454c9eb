import { table } from './table.js';

/** The failure-detection figures (bench/failure-detection.ts) and their table. */

export interface DetectionCase {
  readonly failure: string;
  /** What the configured thresholds make Baton wait, in words and in ms. */
  readonly threshold: string;
  readonly thresholdMs: number;
  /** Each round's time from the failure to the broker reading its outcome, ms. */
  readonly samplesMs: readonly number[];
}

export interface DetectionResult {
  /** The agent measured: `single binary` or `node dist/baton-agent.js`. */
  readonly program: string;
  readonly rounds: number;
  readonly cases: readonly DetectionCase[];
}

export function detectionCase(failure: string, threshold: string, thresholdMs: number, samplesMs: readonly number[]): DetectionCase {
  return { failure, threshold, thresholdMs, samplesMs };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : `${Math.round(value)} ms`;
}

/** One row per failure: the threshold, the raw median, and the time beyond the threshold (median and worst). */
export function detectionRows(result: DetectionResult): string[][] {
  const head = ['failure', 'threshold', 'median', 'beyond: median', 'beyond: max', 'rounds'];
  return [
    head,
    ...result.cases.map((c) => {
      const beyond = c.samplesMs.map((s) => s - c.thresholdMs);
      return [c.failure, c.threshold, ms(median(c.samplesMs)), ms(median(beyond)), ms(Math.max(...beyond)), String(c.samplesMs.length)];
    }),
  ];
}

export function detectionReport(result: DetectionResult): string {
  return [
    `Failure detection (${result.program}, ${result.rounds} rounds; times until a subscriber on the broker reads the outcome)`,
    '',
    table(detectionRows(result)),
    '',
  ].join('\n');
}
