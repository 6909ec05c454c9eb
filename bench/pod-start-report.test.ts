import { describe, expect, it } from 'vitest';
import { podStartReport, podStartRows, podStartVerdict } from './pod-start-report.js';
import type { PodStartResult } from './pod-start.js';

const result: PodStartResult = {
  pods: 4,
  agent: 'dist/bin/baton-agent-linux-x64',
  floor: { startedMs: [200, 100, 300, 400], cliExitedMs: [110, 210, 310, 410] },
  baton: { cli: 'dist/bin/baton-linux-x64', runningMs: [250, 150, 350, 450], startedMs: [130, 230, 330, 430], appliedMs: [50, 60, 70, 80] },
  batonNodeCli: { runningMs: [], appliedMs: [] },
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

describe('Baton with node dist/baton.js as the CLI', () => {
  it('gets rows of its own when measured, and the report names both CLIs', () => {
    const both = { ...result, batonNodeCli: { runningMs: [300, 320, 340, 360], appliedMs: [90, 95, 100, 105] } };
    const rows = podStartRows(both);
    expect(rows[6]).toEqual(['Baton, CLI as node dist/baton.js: -> Running', '4', '300 ms', '320 ms', '360 ms', '360 ms', '+120 ms', '1.60 x']);
    expect(rows[7]?.[0]).toBe('  baton apply exited');
    const report = podStartReport(both);
    expect(report).toContain('each apply is `dist/bin/baton-linux-x64 apply -f -`');
    expect(report).toContain('`node dist/baton.js apply -f -`: the CLI as npm installs it');
    // The target is judged on the first Baton series only.
    expect(podStartVerdict(both)).toMatch(/^met: Baton's p50 is 50 ms over/);
  });

  it('has no rows when not measured', () => {
    expect(podStartRows(result)).toHaveLength(7);
    expect(podStartReport(result)).not.toContain('node dist/baton.js apply');
  });
});

describe('podStartVerdict', () => {
  it('is met within 100 ms of the floor, missed beyond', () => {
    expect(podStartVerdict(result)).toMatch(/^met: Baton's p50 is 50 ms over/);
    expect(podStartVerdict({ ...result, baton: { ...result.baton, runningMs: [400, 300, 500, 600] } })).toMatch(/^MISSED: Baton's p50 is 200 ms over/);
    expect(podStartVerdict({ ...result, baton: { ...result.baton, runningMs: [], startedMs: [], appliedMs: [] } })).toBe('not measured');
  });
});
