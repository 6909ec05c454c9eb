import { describe, expect, it } from 'vitest';
import {
  deploymentConditions,
  hasProgressed,
  isRolloutComplete,
  nextProgress,
  nextProgressTable,
  progressLookup,
  settleProgress,
  type ProgressRecord,
  type RolloutCounts,
  type RolloutSnapshot,
} from './deployment-progress.js';

/** The Available and Progressing conditions of a Deployment, pass by pass, on a monotonic clock. */

const counts = (replicas: number, updated: number, ready: number): RolloutCounts => ({ replicas, updated, ready, available: ready });

function snap(hash: string, c: RolloutCounts, desired = 3, minAvailable = 3): RolloutSnapshot {
  return { templateHash: hash, replicaSetName: `web-${hash}`, desired, minAvailable, progressDeadlineSeconds: 600, counts: c };
}

/** The clock `seconds` after the first pass; wall time moves with it. */
const at = (seconds: number) => ({ ms: 1_000_000 + seconds * 1000, time: new Date(Date.UTC(2025, 0, 1, 0, 0, seconds)).toISOString() });

const progressing = (r: ProgressRecord) => ({ status: r.progressing.status, reason: r.progressing.reason, updated: r.progressing.lastUpdateTime, transition: r.progressing.lastTransitionTime });

describe('isRolloutComplete and hasProgressed', () => {
  it.each<[RolloutCounts, boolean]>([
    [counts(3, 3, 3), true],
    [counts(4, 3, 4), false], // an old pod left
    [counts(3, 2, 3), false],
    [counts(3, 3, 2), false],
  ])('complete(%j) = %s', (c, expected) => {
    expect(isRolloutComplete({ desired: 3, counts: c })).toBe(expected);
  });

  it.each<[string, RolloutCounts, RolloutCounts, boolean]>([
    ['a new pod', counts(3, 0, 3), counts(4, 1, 3), true],
    ['an old pod gone', counts(4, 1, 4), counts(3, 1, 3), true],
    ['one more Ready', counts(4, 1, 3), counts(4, 1, 4), true],
    ['nothing', counts(4, 1, 3), counts(4, 1, 3), false],
    ['only losses', counts(4, 1, 3), counts(4, 1, 2), false],
  ])('%s: %s', (_, before, after, expected) => {
    expect(hasProgressed(before, after)).toBe(expected);
  });
});

describe('nextProgress', () => {
  it('starts a rollout: NewReplicaSetCreated, and Available from the counts', () => {
    const r = nextProgress(undefined, snap('h1', counts(3, 3, 0)), at(0));
    expect(r.progressing).toEqual({
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetCreated',
      message: 'Created new replica set "web-h1"',
      lastUpdateTime: at(0).time,
      lastTransitionTime: at(0).time,
    });
    expect(r.available).toEqual({
      type: 'Available',
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
      lastUpdateTime: at(0).time,
      lastTransitionTime: at(0).time,
    });
    expect(r.progressAtMs).toBe(at(0).ms);
  });

  it('follows a rollout to the end: progress moves lastUpdateTime, then NewReplicaSetAvailable', () => {
    let r = nextProgress(undefined, snap('h1', counts(3, 3, 0)), at(0));
    r = nextProgress(r, snap('h1', counts(3, 3, 1)), at(5));
    expect(progressing(r)).toEqual({ status: 'True', reason: 'ReplicaSetUpdated', updated: at(5).time, transition: at(0).time });
    expect(r.progressing.message).toBe('ReplicaSet "web-h1" is progressing.');
    r = nextProgress(r, snap('h1', counts(3, 3, 2)), at(9));
    expect(progressing(r)).toEqual({ status: 'True', reason: 'ReplicaSetUpdated', updated: at(9).time, transition: at(0).time });
    expect(r.progressAtMs).toBe(at(9).ms);
    r = nextProgress(r, snap('h1', counts(3, 3, 3)), at(12));
    expect(progressing(r)).toEqual({ status: 'True', reason: 'NewReplicaSetAvailable', updated: at(12).time, transition: at(0).time });
    expect(r.progressing.message).toBe('ReplicaSet "web-h1" has successfully progressed.');
    expect(r.available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: at(12).time });
  });

  it('a pass without progress changes nothing of the Progressing condition or its deadline', () => {
    const first = nextProgress(undefined, snap('h1', counts(4, 1, 3)), at(0));
    const again = nextProgress(first, snap('h1', counts(4, 1, 3)), at(30));
    expect(again.progressing).toBe(first.progressing);
    expect(again.progressAtMs).toBe(first.progressAtMs);
  });

  it('exceeds the deadline without progress, and progresses again from there', () => {
    const start = nextProgress(undefined, snap('h1', counts(4, 1, 3)), at(0));
    expect(settleProgress(start, at(600).ms)).toBe(start); // not past it yet
    const stalled = nextProgress(start, snap('h1', counts(4, 1, 3)), at(601));
    expect(stalled.progressing).toEqual({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "web-h1" has timed out progressing.',
      lastUpdateTime: at(600).time,
      lastTransitionTime: at(600).time,
    });
    // Losing more pods is no progress: it stays exceeded.
    expect(nextProgress(stalled, snap('h1', counts(4, 1, 2)), at(700)).progressing).toEqual(stalled.progressing);
    const moving = nextProgress(stalled, snap('h1', counts(5, 2, 3)), at(800));
    expect(progressing(moving)).toEqual({ status: 'True', reason: 'ReplicaSetUpdated', updated: at(800).time, transition: at(800).time });
    expect(moving.progressAtMs).toBe(at(800).ms);
  });

  it('a complete rollout stays NewReplicaSetAvailable and never times out, whatever its pods do', () => {
    const done = nextProgress(undefined, snap('h1', counts(3, 3, 3)), at(0));
    expect(done.progressing.reason).toBe('NewReplicaSetAvailable');
    const degraded = nextProgress(done, snap('h1', counts(3, 3, 1)), at(10));
    expect(degraded.progressing).toBe(done.progressing);
    expect(degraded.available).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', lastTransitionTime: at(10).time });
    expect(settleProgress(degraded, at(5000).ms).progressing.reason).toBe('NewReplicaSetAvailable');
    // Recovering a pod is not a new rollout either.
    expect(nextProgress(degraded, snap('h1', counts(3, 3, 2)), at(20)).progressing).toBe(done.progressing);
  });

  it('a new template starts a new rollout and deadline, keeping lastTransitionTime while Progressing stays True', () => {
    const done = nextProgress(undefined, snap('h1', counts(3, 3, 3)), at(0));
    const next = nextProgress(done, snap('h2', counts(4, 1, 3)), at(50));
    expect(progressing(next)).toEqual({ status: 'True', reason: 'NewReplicaSetCreated', updated: at(50).time, transition: at(0).time });
    expect(next.progressing.message).toBe('Created new replica set "web-h2"');
    expect(next.progressAtMs).toBe(at(50).ms);
  });

  it('keeps the Available condition and its times while its status holds', () => {
    const first = nextProgress(undefined, snap('h1', counts(4, 1, 3)), at(0));
    expect(first.available.status).toBe('True');
    expect(nextProgress(first, snap('h1', counts(4, 1, 4)), at(5)).available).toBe(first.available);
  });

  it('a rollout that went past its deadline before a pass is seen so by that pass', () => {
    const start = nextProgress(undefined, snap('h1', counts(4, 1, 3)), at(0));
    // Progress arrives at 900 s, long after the deadline: the condition goes False -> True.
    const late = nextProgress(start, snap('h1', counts(4, 1, 4)), at(900));
    expect(progressing(late)).toEqual({ status: 'True', reason: 'ReplicaSetUpdated', updated: at(900).time, transition: at(900).time });
  });
});

describe('what list shows', () => {
  it('settles a record at the time of the request', () => {
    const start = nextProgress(undefined, snap('h1', counts(4, 1, 3)), at(0));
    const records = new Map([['uid-web', start]]);
    expect(progressLookup(records, at(10).ms)('uid-web')).toBe(start);
    expect(progressLookup(records, at(601).ms)('uid-web')?.progressing.reason).toBe('ProgressDeadlineExceeded');
    expect(progressLookup(records, at(601).ms)('uid-other')).toBeUndefined();
  });

  it('keeps a record per Deployment still there, and forgets the others', () => {
    const start = nextProgress(undefined, snap('h1', counts(3, 3, 3)), at(0));
    const next = nextProgressTable(new Map([['gone', start], ['web', start]]), new Map([['web', snap('h1', counts(3, 3, 3))]]), at(1));
    expect([...next.keys()]).toEqual(['web']);
  });

  it('uses the record for the current template, else derives the conditions from the pods without times', () => {
    const record = nextProgress(undefined, snap('h1', counts(3, 3, 3)), at(0));
    expect(deploymentConditions(snap('h1', counts(3, 3, 3)), record)).toEqual([record.available, record.progressing]);
    expect(deploymentConditions(snap('h2', counts(4, 1, 3)), record)).toEqual([
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-h2" is progressing.' },
    ]);
    expect(deploymentConditions(snap('h2', counts(3, 3, 3)), undefined)[1]).toMatchObject({ reason: 'NewReplicaSetAvailable' });
  });
});
