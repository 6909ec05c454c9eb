import { describe, expect, it } from 'vitest';
import { decideRestart, formatBackoff, KUBELET_RESTART_BACKOFF, terminatedState, type ExitedRun, type RestartDecision } from './restart-policy.js';

const s = 1000;
const minute = 60 * s;

describe('decideRestart: restartPolicy', () => {
  it.each([
    ['Never', 1, false],
    ['Never', 0, false],
    ['OnFailure', 0, false],
    ['OnFailure', 3, true],
    ['Always', 0, true],
    ['Always', 3, true],
  ] as const)('%s, exit %d: restart=%s', (policy, exitCode, restart) => {
    const decision = decideRestart(policy, { exitCode, startedAt: 0, finishedAt: 5 * s }, KUBELET_RESTART_BACKOFF);
    expect(decision.restart).toBe(restart);
    expect(decision.reason).toContain(policy);
  });
});

describe('decideRestart: CrashLoopBackOff as kubelet', () => {
  /** Runs a container that crashes after `runMs` again and again; returns the waits between exit and restart. */
  function crashLoop(times: number, runMs: number): number[] {
    const waits: number[] = [];
    let now = 0;
    let backoffMs: number | undefined;
    for (let i = 0; i < times; i++) {
      const run: ExitedRun = { exitCode: 1, startedAt: now, finishedAt: now + runMs, ...(backoffMs !== undefined ? { backoffMs } : {}) };
      const d = decideRestart('Always', run, KUBELET_RESTART_BACKOFF) as Extract<RestartDecision, { restart: true }>;
      waits.push(d.at - (now + runMs));
      expect(d.delayMs).toBe(d.at - (now + runMs));
      backoffMs = d.nextBackoffMs;
      now = d.at;
    }
    return waits;
  }

  it('restarts at once the first time, then waits 10 s doubling up to 5 min', () => {
    expect(crashLoop(9, 100).map((ms) => ms / s)).toEqual([0, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('forgets the back-off after a run of 10 minutes', () => {
    const owed = { exitCode: 1, startedAt: 0, backoffMs: 160 * s };
    expect(decideRestart('Always', { ...owed, finishedAt: 9 * minute }, KUBELET_RESTART_BACKOFF)).toMatchObject({ delayMs: 160 * s, nextBackoffMs: 300 * s });
    expect(decideRestart('Always', { ...owed, finishedAt: 10 * minute }, KUBELET_RESTART_BACKOFF)).toMatchObject({ at: 10 * minute, delayMs: 0, nextBackoffMs: 10 * s });
  });

  it('counts from the exit, whatever the clock says about the start', () => {
    expect(decideRestart('Always', { exitCode: 1, startedAt: NaN, finishedAt: 5000, backoffMs: 20 * s }, KUBELET_RESTART_BACKOFF)).toMatchObject({ at: 25_000 });
  });

  it('follows a configured back-off', () => {
    const fast = { initialMs: 500, maxMs: 2000, resetAfterMs: 4000 };
    expect(decideRestart('OnFailure', { exitCode: 2, startedAt: 0, finishedAt: 100, backoffMs: 2000 }, fast)).toMatchObject({ at: 2100, nextBackoffMs: 2000 });
  });
});

describe('formatBackoff', () => {
  it.each([
    [10_000, '10s'],
    [40_000, '40s'],
    [160_000, '2m40s'],
    [300_000, '5m0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatBackoff(ms)).toBe(text);
  });
});

describe('terminatedState', () => {
  it.each([
    [0, false, 'Completed'],
    [3, false, 'Error'],
    [137, true, 'OOMKilled'],
  ])('exit %d (oom %s) is %s', (exitCode, oomKilled, reason) => {
    expect(terminatedState({ exitCode, oomKilled, startedAt: 'a', finishedAt: 'b' })).toEqual({ terminated: { exitCode, reason, startedAt: 'a', finishedAt: 'b' } });
  });
});
