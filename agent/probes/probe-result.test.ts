import { describe, expect, it } from 'vitest';
import { initialResult, recordOutcome, type ProbeResult, type ProbeType } from './probe-result.js';

function resultsAfter(type: ProbeType, outcomes: readonly boolean[], successThreshold: number, failureThreshold: number): ProbeResult[] {
  let state = initialResult(type);
  return outcomes.map((success) => {
    state = recordOutcome(state, success, { successThreshold, failureThreshold });
    return state.result;
  });
}

const S = true;
const F = false;

describe('initialResult', () => {
  it.each([
    ['liveness', 'success'],
    ['readiness', 'failure'],
    ['startup', 'unknown'],
  ] as const)('%s starts as %s, with no run counted', (type, result) => {
    expect(initialResult(type)).toEqual({ result, lastOutcome: undefined, run: 0 });
  });
});

describe('recordOutcome', () => {
  it.each<{ name: string; type: ProbeType; success: number; failure: number; outcomes: boolean[]; results: ProbeResult[] }>([
    { name: 'liveness fails only at the third failure in a row', type: 'liveness', success: 1, failure: 3, outcomes: [F, F, F], results: ['success', 'success', 'failure'] },
    { name: 'a success in between restarts the failure count', type: 'liveness', success: 1, failure: 3, outcomes: [F, F, S, F, F, F], results: ['success', 'success', 'success', 'success', 'success', 'failure'] },
    { name: 'failureThreshold 1 fails at the first failure', type: 'liveness', success: 1, failure: 1, outcomes: [F], results: ['failure'] },
    { name: 'readiness becomes ready at the first success', type: 'readiness', success: 1, failure: 3, outcomes: [S, S], results: ['success', 'success'] },
    { name: 'readiness stays not ready through early failures', type: 'readiness', success: 1, failure: 3, outcomes: [F, F, F, F], results: ['failure', 'failure', 'failure', 'failure'] },
    { name: 'readiness needs successThreshold successes in a row', type: 'readiness', success: 3, failure: 3, outcomes: [S, S, F, S, S, S], results: ['failure', 'failure', 'failure', 'failure', 'failure', 'success'] },
    { name: 'ready flips back after failureThreshold failures, then ready again', type: 'readiness', success: 1, failure: 2, outcomes: [S, F, F, S], results: ['success', 'success', 'failure', 'success'] },
    { name: 'startup stays unknown below its failure threshold', type: 'startup', success: 1, failure: 3, outcomes: [F, F], results: ['unknown', 'unknown'] },
    { name: 'startup succeeds at once', type: 'startup', success: 1, failure: 3, outcomes: [F, F, S], results: ['unknown', 'unknown', 'success'] },
    { name: 'startup fails at its threshold', type: 'startup', success: 1, failure: 2, outcomes: [F, F], results: ['unknown', 'failure'] },
  ])('$name', ({ type, success, failure, outcomes, results }) => {
    expect(resultsAfter(type, outcomes, success, failure)).toEqual(results);
  });

  it('counts runs of the same outcome past the threshold', () => {
    let state = initialResult('liveness');
    for (let i = 0; i < 5; i++) state = recordOutcome(state, false, { successThreshold: 1, failureThreshold: 3 });
    expect(state).toEqual({ result: 'failure', lastOutcome: 'failure', run: 5 });
  });
});
