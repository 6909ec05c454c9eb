import { describe, expect, it } from 'vitest';
import { podStartReport, podStartRows, podStartVerdict } from './pod-start-report.js';
import type { PodStartResult } from './pod-start.js';

const result: PodStartResult = {
  pods: 4,
  agent: 'dist/bin/baton-agent-linux-x64',
  floor: { startedMs: [200, 100, 300, 400], cliExitedMs: [110, 210, 310, 410] },
  baton: { runningMs: [250, 150, 350, 450], startedMs: [130, 230, 330, 430], appliedMs: [50, 60, 70, 80] },
  swarm: { startedMs: [1000, 2000, 3000, 4000], note: 'a one-node swarm made for the bench' },
};

describe('podStartRows', () => {
  it('gives n, min, p50, p99, max and the p50 against the floor', () => {
    const rows = podStartRows(result);
    expect(rows[1]).toEqual(['floor: docker run -d -> container started', '4', '100 ms', '200 ms', '400 ms', '400 ms', '+0 ms', '1.00 x']);
    expect(rows[3]).toEqual(['Baton: baton apply -> Running on the broker', '4', '150 ms', '250 ms', '450 ms', '450 ms', '+50 ms', '1.25 x']);
    expect(rows[6]?.slice(3)).toEqual(['2000 ms', '4000 ms', '4000 ms', '+1800 ms', '10.00 x']);
  });

  it('prints dashes for a series with no samples and names a failed swarm', () => {
    const failed = { ...result, swarm: { startedMs: [], note: '', error: 'swarm init failed: no' } };
    expect(podStartRows(failed)[6]).toEqual(['Docker Swarm (FAILED, see below)', '0', '-', '-', '-', '-', '-', '-']);
    expect(podStartReport(failed)).toContain('Swarm: swarm init failed: no');
  });
});

describe('podStartVerdict', () => {
  it('is met within 100 ms of the floor, missed beyond', () => {
    expect(podStartVerdict(result)).toMatch(/^met: Baton's p50 is 50 ms over/);
    expect(podStartVerdict({ ...result, baton: { ...result.baton, runningMs: [400, 300, 500, 600] } })).toMatch(/^MISSED: Baton's p50 is 200 ms over/);
    expect(podStartVerdict({ ...result, baton: { runningMs: [], startedMs: [], appliedMs: [] } })).toBe('not measured');
  });
});
