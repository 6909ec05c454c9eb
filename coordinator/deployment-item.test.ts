import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../protocol/messages.js';
import { reconcileDeployment } from './controllers/deployment.js';
import type { PodAvailability } from './controllers/owned.js';
import { REVISION_ANNOTATION, deploymentItem } from './deployment-item.js';
import { nextProgress, progressLookup } from './deployment-progress.js';
import { rolloutSnapshot, rolloutSnapshots } from './deployment-status.js';
import type { ListContext } from './list-items.js';
import type { Observations } from './reconcile.js';
import { emptyState, type CoordinatorState, type StoredDeployment, type StoredPod } from './state.js';
import { deployment, nodeStatus, testEntropy } from './test-fixtures.js';

/** A Deployment's list item: the revision annotation and a Kubernetes status. */

const readyStatus: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] };

function stateWith(d: StoredDeployment, count: number): { state: CoordinatorState; pods: StoredPod[] } {
  const { create } = reconcileDeployment({ deployment: { ...d, spec: { ...d.spec, replicas: count } }, pods: [], terminating: 0, availability: () => 'notReady', takenNames: new Set(), entropy: testEntropy() });
  const pods = create.map((p, i) => ({ ...p, nodeName: `n${i + 1}` }));
  const state = emptyState();
  state.deployments[d.metadata.name] = d;
  for (const p of pods) state.pods[p.metadata.name] = p;
  return { state, pods };
}

function context(state: CoordinatorState, extra: Partial<ListContext> = {}, readyUids: string[] = []): ListContext {
  const observed: Observations = {
    nodeStatuses: new Map([['n1', nodeStatus('n1')], ['n2', nodeStatus('n2')], ['n3', nodeStatus('n3')], ['n4', nodeStatus('n4')]]),
    goneNodes: new Set(),
    podStatus: (uid) => (readyUids.includes(uid) ? readyStatus : undefined),
  };
  return { state, observed, unschedulable: new Map(), observedGeneration: () => 1, events: [], ...extra };
}

describe('deploymentItem', () => {
  it('annotates the revision: 1 for a Deployment stored before revisions were kept, else the last kept', () => {
    const d = deployment('web', 3);
    const { state } = stateWith(d, 3);
    expect(deploymentItem(d, context(state)).metadata.annotations).toEqual({ [REVISION_ANNOTATION]: '1' });
    const revised: StoredDeployment = {
      ...d,
      metadata: { ...d.metadata, annotations: { note: 'x' } },
      revisions: [
        { revision: 2, template: d.spec.template },
        { revision: 5, template: d.spec.template },
      ],
    };
    expect(deploymentItem(revised, context(state)).metadata.annotations).toEqual({ note: 'x', [REVISION_ANNOTATION]: '5' });
  });

  it("reports Kubernetes' status fields from the pods' reports when the control loop's view is not given", () => {
    const d = deployment('web', 3);
    const { state, pods } = stateWith(d, 3);
    const item = deploymentItem(d, context(state, {}, [pods[0]!.metadata.uid, pods[1]!.metadata.uid]));
    expect(item.status).toEqual({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      conditions: [
        // 3 replicas at 25%/25%: none may be unavailable.
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: expect.stringMatching(/^ReplicaSet "web-[a-z0-9]+" is progressing\.$/) as unknown },
      ],
    });
  });

  it('does not count lost pods, and takes readiness from the control loop when given', () => {
    const d = deployment('web', 4);
    const { state, pods } = stateWith(d, 4);
    const seen: Record<string, PodAvailability> = { [pods[0]!.metadata.name]: 'lost', [pods[1]!.metadata.name]: 'unknown', [pods[2]!.metadata.name]: 'ready', [pods[3]!.metadata.name]: 'ready' };
    const item = deploymentItem(d, context(state, { podAvailability: (p) => seen[p.metadata.name] ?? 'notReady' }));
    expect(item.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 });
  });

  it('shows the tracked conditions with their times, settled at the time of the request', () => {
    const d = deployment('web', 2);
    const { state } = stateWith(d, 2);
    const availability = (): PodAvailability => 'notReady';
    const snapshot = rolloutSnapshots(state, availability).get(d.metadata.uid)!;
    expect(snapshot).toEqual(rolloutSnapshot(d, Object.values(state.pods), availability));
    const record = nextProgress(undefined, snapshot, { ms: 0, time: '2025-01-01T00:00:00.000Z' });
    const lookup = progressLookup(new Map([[d.metadata.uid, record]]), 601_000);
    const item = deploymentItem(d, context(state, { deploymentProgress: lookup, podAvailability: availability }));
    expect((item.status as { conditions: unknown[] }).conditions).toEqual([
      {
        type: 'Available',
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
        lastUpdateTime: '2025-01-01T00:00:00.000Z',
        lastTransitionTime: '2025-01-01T00:00:00.000Z',
      },
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${snapshot.replicaSetName}" has timed out progressing.`,
        lastUpdateTime: '2025-01-01T00:10:00.000Z',
        lastTransitionTime: '2025-01-01T00:10:00.000Z',
      },
    ]);
  });

  it('keeps the spec as applied, with its defaults', () => {
    const d = deployment('web', 1);
    const { state } = stateWith(d, 1);
    expect(deploymentItem(d, context(state)).spec).toMatchObject({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      minReadySeconds: 0,
    });
  });
});
