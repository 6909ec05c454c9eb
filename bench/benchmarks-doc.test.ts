import { describe, expect, it } from 'vitest';
import { benchmarksDoc } from './benchmarks-doc.js';

describe('benchmarksDoc', () => {
  it('names the machine and the date, then holds the report as printed', () => {
    const doc = benchmarksDoc({ cpu: 'Cortex-A72', cores: 4, memoryGiB: 4, kernel: '6.6.31', node: 'v20.20.2' }, new Date('2026-11-24T10:00:00Z'), 290_000, '| a | b |\n');
    expect(doc).toContain('- Machine: Cortex-A72, 4 cores, 4 GiB, Linux 6.6.31');
    expect(doc).toContain('- Date: 2026-11-24; the bench took 290 s; it ran on Node v20.20.2');
    expect(doc).toContain('```\n| a | b |\n```');
  });
});
