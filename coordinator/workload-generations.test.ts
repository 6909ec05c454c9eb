import { describe, expect, it } from 'vitest';
import { emptyState, type CoordinatorState } from './state.js';
import { daemonSet, deployment } from './test-fixtures.js';
import { workloadGenerations } from './workload-generations.js';

describe('workloadGenerations', () => {
  it('holds the generation of every Deployment and DaemonSet, by uid', () => {
    const state: CoordinatorState = { ...emptyState(), deployments: { web: deployment('web', 1, { generation: 3 }) }, daemonSets: { agent: daemonSet('agent') } };
    expect(workloadGenerations(state)).toEqual(new Map([['uid-web', 3], ['uid-agent', 1]]));
  });

  it('keeps nothing of a workload once it is deleted', () => {
    const before: CoordinatorState = { ...emptyState(), deployments: { web: deployment('web', 1), db: deployment('db', 1) }, daemonSets: { agent: daemonSet('agent') } };
    expect(workloadGenerations(before).size).toBe(3);
    const after: CoordinatorState = { ...before, deployments: { db: deployment('db', 1) }, daemonSets: {} };
    expect(workloadGenerations(after)).toEqual(new Map([['uid-db', 1]]));
  });
});
