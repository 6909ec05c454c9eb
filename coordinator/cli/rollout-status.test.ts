import { describe, expect, it } from 'vitest';
import type { ListItem } from '../../protocol/requests.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus, rolloutWarning } from './rollout-status.js';

/** `rollout status` lines, step by step, as kubectl's status viewers print them. */

const metadata = (generation: number) => ({ name: 'web', namespace: 'default', uid: 'uid-web', creationTimestamp: '2025-01-01T00:00:00Z', generation });

function deployment(generation: number, replicas: number, status: Record<string, unknown>): ListItem {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(generation), spec: { replicas }, status };
}

const counts = (observedGeneration: number, replicas: number, updatedReplicas: number, availableReplicas: number) => ({
  observedGeneration,
  replicas,
  updatedReplicas,
  availableReplicas,
});

describe('deploymentRolloutStatus', () => {
  it.each<[string, ListItem, string, boolean]>([
    ['a generation not observed yet', deployment(3, 3, counts(2, 3, 3, 3)), 'Waiting for deployment spec update to be observed...', false],
    ['no status at all', deployment(1, 3, {}), 'Waiting for deployment spec update to be observed...', false],
    ['new pods still to make', deployment(2, 3, counts(2, 4, 1, 3)), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', false],
    ['old pods still there', deployment(2, 3, counts(2, 5, 3, 2)), 'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...', false],
    ['new pods not available yet', deployment(2, 3, counts(2, 3, 3, 1)), 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...', false],
    ['done', deployment(2, 3, counts(2, 3, 3, 3)), 'deployment "web" successfully rolled out', true],
    ['scaled to zero', deployment(2, 0, counts(2, 0, 0, 0)), 'deployment "web" successfully rolled out', true],
  ])('%s', (_what, item, message, done) => {
    expect(deploymentRolloutStatus(item)).toEqual({ message, done });
  });

  it('fails once the Deployment has exceeded its progress deadline', () => {
    const item = deployment(2, 3, {
      ...counts(2, 4, 1, 3),
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
      ],
    });
    expect(deploymentRolloutStatus(item)).toEqual({ message: '', done: false, error: 'deployment "web" exceeded its progress deadline' });
    // Not while the newest generation is unobserved: that is a new rollout.
    expect(deploymentRolloutStatus({ ...item, metadata: metadata(3) }).done).toBe(false);
    expect(deploymentRolloutStatus({ ...item, metadata: metadata(3) }).error).toBeUndefined();
  });

  it('appends a warning to a waiting line only', () => {
    expect(deploymentRolloutStatus(deployment(2, 3, counts(2, 3, 3, 1)), 'ErrImagePull - no such image').message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available... (Warning: ErrImagePull - no such image)',
    );
    expect(deploymentRolloutStatus(deployment(2, 3, counts(2, 3, 3, 3)), 'ignored').message).toBe('deployment "web" successfully rolled out');
  });
});

describe('daemonSetRolloutStatus', () => {
  const daemonSet = (generation: number, status: Record<string, unknown>): ListItem => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { ...metadata(generation), name: 'agent' },
    spec: {},
    status,
  });
  it.each<[ListItem, string, boolean]>([
    [daemonSet(2, { observedGeneration: 1 }), 'Waiting for daemon set spec update to be observed...', false],
    [daemonSet(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }), 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...', false],
    [daemonSet(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...', false],
    [daemonSet(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), 'daemon set "agent" successfully rolled out', true],
  ])('%#', (item, message, done) => {
    expect(daemonSetRolloutStatus(item)).toEqual({ message, done });
  });

  it('refuses a DaemonSet that updates OnDelete, as kubectl does', () => {
    const onDelete = { ...daemonSet(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }), spec: { updateStrategy: { type: 'OnDelete' } } };
    expect(daemonSetRolloutStatus(onDelete)).toEqual({ message: '', done: false, error: 'rollout status is only available for RollingUpdate strategy type' });
  });
});

describe('rolloutWarning', () => {
  const pod = (owner: string, status: Record<string, unknown>): ListItem => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u', creationTimestamp: '', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: owner }] },
    spec: {},
    status,
  });
  const waiting = (reason: string, message?: string) => ({
    phase: 'Pending',
    conditions: [],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'x', state: { waiting: { reason, ...(message ? { message } : {}) } } }],
  });

  it('names an unschedulable pod or a stuck container of this workload only', () => {
    const unschedulable = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient memory.' }], containerStatuses: [] };
    expect(rolloutWarning([pod('uid-web', unschedulable)], 'uid-web')).toBe('0/2 nodes are available: 2 Insufficient memory.');
    expect(rolloutWarning([pod('uid-web', waiting('ImagePullBackOff', 'Back-off pulling image "nope:1"'))], 'uid-web')).toBe('ImagePullBackOff - Back-off pulling image "nope:1"');
    expect(rolloutWarning([pod('uid-other', unschedulable)], 'uid-web')).toBeUndefined();
    expect(rolloutWarning([pod('uid-web', waiting('ContainerCreating'))], 'uid-web')).toBeUndefined();
  });
});
