import { describe, expect, it } from 'vitest';
import type { Reply, Request } from '../protocol/requests.js';
import type { ListContext } from './list-items.js';
import type { Observations } from './reconcile.js';
import { handleRequest } from './requests.js';
import { emptyState, type CoordinatorState } from './state.js';
import { testEntropy } from './test-fixtures.js';

/** The `scale` request, through handleRequest as the coordinator runs it. */

const noObservations: Observations = { nodeStatuses: new Map(), goneNodes: new Set(), podStatus: () => undefined };
const base = { protocol: 'v1' as const, id: 'r1', replyTo: 'baton/v1/clients/t/replies' };

const web = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'a:1' }] } } },
};

function send(state: CoordinatorState, request: Omit<Extract<Request, { op: 'scale' }>, 'protocol' | 'id' | 'replyTo'> | { op: 'apply'; objects: unknown[] }) {
  const context: ListContext = { state, observed: noObservations, unschedulable: new Map(), observedGeneration: () => undefined, events: [] };
  return handleRequest({ ...base, ...request } as Request, context, testEntropy());
}

function created(): CoordinatorState {
  const decision = send(emptyState(), { op: 'apply', objects: [web] });
  if (decision.state === undefined) throw new Error('apply failed');
  return decision.state;
}

const ok = (result: unknown): Reply => ({ protocol: 'v1', id: 'r1', ok: true, result });

describe('scale', () => {
  it('sets spec.replicas, grows the generation and makes no revision', () => {
    const decision = send(created(), { op: 'scale', kind: 'Deployment', name: 'web', replicas: 5 });
    expect(decision.reply).toEqual(ok({ kind: 'Deployment', name: 'web', replicas: 5, changed: true }));
    const stored = decision.state?.deployments.web;
    expect(stored?.spec.replicas).toBe(5);
    expect(stored?.metadata.generation).toBe(2);
    expect(stored?.revisions?.map((r) => r.revision)).toEqual([1]);
  });

  it('changes nothing (no state to write) when the count is already that', () => {
    const decision = send(created(), { op: 'scale', kind: 'Deployment', name: 'web', replicas: 2 });
    expect(decision.reply).toEqual(ok({ kind: 'Deployment', name: 'web', replicas: 2, changed: false }));
    expect(decision.state).toBeUndefined();
  });

  it('scales to zero', () => {
    expect(send(created(), { op: 'scale', kind: 'Deployment', name: 'web', replicas: 0 }).state?.deployments.web?.spec.replicas).toBe(0);
  });

  it("says NotFound in kubectl's words for a Deployment that is not there", () => {
    const decision = send(created(), { op: 'scale', kind: 'Deployment', name: 'api', replicas: 1 });
    expect(decision.reply).toEqual({ protocol: 'v1', id: 'r1', ok: false, error: { code: 'NotFound', message: 'deployments.apps "api" not found' } });
    expect(decision.state).toBeUndefined();
  });

  it('refuses more replicas than apply would accept', () => {
    const decision = send(created(), { op: 'scale', kind: 'Deployment', name: 'web', replicas: 10_001 });
    expect(decision.reply).toEqual({ protocol: 'v1', id: 'r1', ok: false, error: { code: 'Invalid', message: 'spec.replicas: must be at most 10000' } });
  });
});
