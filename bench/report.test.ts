import { describe, expect, it } from 'vitest';
import type { AtRest } from './footprint.js';
import { TARGETS, targetsReport } from './report.js';

const MiB = 1024 * 1024;

function run(overrides: Partial<AtRest> = {}): AtRest {
  const flat = (n: number): { median: number; max: number } => ({ median: n, max: n });
  return {
    program: { kind: 'binary', path: '/x' },
    pods: 10,
    windowMs: 60_000,
    memory: { samples: 61, rss: flat(50 * MiB), pss: flat(30 * MiB), private: flat(20 * MiB), anonymous: flat(15 * MiB) },
    cpuPercent: 0.5,
    childrenCpuPercent: 0,
    io: { writeBytes: 0, cancelledWriteBytes: 0, wchar: 100 },
    logBytes: 0,
    logSample: [],
    runningAtEnd: 10,
    ...overrides,
  };
}

const line = (report: string, figure: string): string => report.split('\n').find((l) => l.startsWith(`| ${figure}`)) ?? '';

describe('targetsReport', () => {
  it('says met for figures under their targets', () => {
    const report = targetsReport([run()]);
    for (const figure of ['RSS', 'private memory', '  of which anonymous', 'CPU', 'disk writes', 'log lines']) expect(line(report, figure)).toMatch(/\| +met \|$/);
  });

  it('says MISSED at the target itself, judging memory on the largest sample', () => {
    const report = targetsReport([run({ memory: { samples: 3, rss: { median: 50 * MiB, max: TARGETS.rssBytes }, pss: { median: 1, max: 1 }, private: { median: 1, max: 1 }, anonymous: { median: 1, max: 1 } }, cpuPercent: 1, io: { writeBytes: 4096, cancelledWriteBytes: 0, wchar: 4096 } })]);
    expect(line(report, 'RSS')).toMatch(/61\.0 MiB \| +MISSED \|$/);
    expect(line(report, 'CPU')).toMatch(/MISSED \|$/);
    expect(line(report, 'disk writes')).toMatch(/240\.0 KiB\/h \| +MISSED \|$/);
  });

  it('gives no verdict when pods stopped running, and judges only 10-pod runs', () => {
    expect(line(targetsReport([run({ runningAtEnd: 9 })]), 'RSS')).toMatch(/not steady/);
    expect(targetsReport([run({ pods: 0, runningAtEnd: 0 })])).toBe('');
  });
});
