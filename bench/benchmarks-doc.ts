import { cpus, release, totalmem } from 'node:os';

/**
 * docs/benchmarks.md as a full `npm run bench` leaves it: the machine and the date the
 * figures came from, then the report exactly as printed. Pure but for reading the
 * machine's description (the caller writes the file).
 */

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
}

export function thisMachine(): Machine {
  const all = cpus();
  return { cpu: all[0]?.model.trim() ?? 'unknown', cores: all.length, memoryGiB: Math.round(totalmem() / 1024 ** 3), kernel: release(), node: process.version };
}

export function benchmarksDoc(machine: Machine, date: Date, durationMs: number, report: string): string {
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (do not edit by hand: run it again). Each figure was measured',
    'in one run on one machine, Baton beside the floor and its peers on the same engine, so',
    'read the ratios and differences rather than the absolute times.',
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}`,
    `- Date: ${date.toISOString().slice(0, 10)}; the bench took ${Math.round(durationMs / 1000)} s; it ran on Node ${machine.node}`,
    '',
    '```',
    report.trimEnd(),
    '```',
    '',
  ].join('\n');
}
