import { describe, expect, it } from 'vitest';
import type { Reply, Request, RolloutResult } from '../protocol/requests.js';
import type { ListContext } from './list-items.js';
import type { Observations } from './reconcile.js';
import { handleRequest } from './requests.js';
import { revisionsOf } from './revisions.js';
import { RESTARTED_AT_ANNOTATION } from './rollout.js';
import { emptyState, type CoordinatorState } from './state.js';
import { testEntropy } from './test-fixtures.js';

/** `rollout undo|restart|history`, through handleRequest as the coordinator runs them. */

const noObservations: Observations = { nodeStatuses: new Map(), goneNodes: new Set(), podStatus: () => undefined };
const base = { protocol: 'v1' as const, id: 'r1', replyTo: 'baton/v1/clients/t/replies' };
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } });

const web = (image: string, changeCause?: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...(changeCause !== undefined ? { annotations: { 'kubernetes.io/change-cause': changeCause } } : {}) },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template(image) },
});
const agent = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent' },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'app', image: 'a:1' }] } } },
};

type Body = { op: 'apply'; objects: unknown[] } | Omit<Extract<Request, { op: 'rollout' }>, 'protocol' | 'id' | 'replyTo'>;

const entropy = testEntropy();

function send(state: CoordinatorState, body: Body) {
  const context: ListContext = { state, observed: noObservations, unschedulable: new Map(), observedGeneration: () => undefined, events: [] };
  return handleRequest({ ...base, ...body } as Request, context, entropy);
}

function applied(...manifests: unknown[]): CoordinatorState {
  return manifests.reduce<CoordinatorState>((state, manifest) => send(state, { op: 'apply', objects: [manifest] }).state ?? state, emptyState());
}

function result(reply: Reply): RolloutResult {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.result as RolloutResult;
}

function error(reply: Reply): { code: string; message: string } {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply.result)}`);
  return reply.error;
}

const image = (state: CoordinatorState | undefined): string | undefined => state?.deployments.web?.spec.template.spec.containers[0]?.image;

describe('rollout undo', () => {
  it('puts back the previous template as a new revision; the generation grows', () => {
    const before = applied(web('a:1'), web('a:2'));
    const decision = send(before, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web' });
    expect(result(decision.reply)).toEqual({ kind: 'Deployment', name: 'web', action: 'undo', changed: true, revision: 1 });
    expect(image(decision.state)).toBe('a:1');
    expect(decision.state?.deployments.web?.metadata.generation).toBe(3);
    expect(revisionsOf(decision.state!.deployments.web!).map((r) => [r.revision, r.template.spec.containers[0]?.image])).toEqual([
      [2, 'a:2'],
      [3, 'a:1'],
    ]);
    // Undo again: back to a:2, the revision before the current.
    const again = send(decision.state!, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web' });
    expect(result(again.reply).revision).toBe(2);
    expect(image(again.state)).toBe('a:2');
  });

  it('goes to --to-revision N, keeping that revision its change-cause', () => {
    const before = applied(web('a:1', 'first'), web('a:2', 'second'), web('a:3', 'third'));
    const decision = send(before, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web', toRevision: 1 });
    expect(result(decision.reply)).toMatchObject({ changed: true, revision: 1 });
    expect(image(decision.state)).toBe('a:1');
    expect(revisionsOf(decision.state!.deployments.web!).at(-1)).toMatchObject({ revision: 4, changeCause: 'first' });
  });

  it('skips (changed false, nothing written) when the current template already is that revision', () => {
    const before = applied(web('a:1'), web('a:2'));
    const decision = send(before, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web', toRevision: 2 });
    expect(result(decision.reply)).toEqual({ kind: 'Deployment', name: 'web', action: 'undo', changed: false, revision: 2 });
    expect(decision.state).toBeUndefined();
  });

  it("refuses, in kubectl's words, a revision not kept and a Deployment with no earlier revision", () => {
    const two = applied(web('a:1'), web('a:2'));
    expect(error(send(two, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web', toRevision: 7 }).reply)).toEqual({
      code: 'Invalid',
      message: 'unable to find specified revision 7 in history',
    });
    expect(error(send(applied(web('a:1')), { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'web' }).reply)).toEqual({
      code: 'Invalid',
      message: 'no rollout history found for deployment "web"',
    });
    expect(error(send(two, { op: 'rollout', action: 'undo', kind: 'Deployment', name: 'api' }).reply)).toEqual({
      code: 'NotFound',
      message: 'deployments.apps "api" not found',
    });
  });
});

describe('rollout restart', () => {
  it('stamps the template with the time, making a new revision with a new pod-template hash', () => {
    const before = applied(web('a:1'));
    const decision = send(before, { op: 'rollout', action: 'restart', kind: 'Deployment', name: 'web' });
    expect(result(decision.reply)).toEqual({ kind: 'Deployment', name: 'web', action: 'restart', changed: true, revision: 2 });
    const stamped = decision.state?.deployments.web?.spec.template.metadata.annotations?.[RESTARTED_AT_ANNOTATION];
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(decision.state?.deployments.web?.metadata.generation).toBe(2);
    // Each restart is another revision.
    const again = send(decision.state!, { op: 'rollout', action: 'restart', kind: 'Deployment', name: 'web' });
    expect(result(again.reply).revision).toBe(3);
  });

  it('restarts a DaemonSet too (no revisions for it)', () => {
    const before = applied(agent);
    const decision = send(before, { op: 'rollout', action: 'restart', kind: 'DaemonSet', name: 'agent' });
    expect(result(decision.reply)).toEqual({ kind: 'DaemonSet', name: 'agent', action: 'restart', changed: true });
    expect(decision.state?.daemonSets.agent?.spec.template.metadata.annotations?.[RESTARTED_AT_ANNOTATION]).toBeDefined();
    expect(decision.state?.daemonSets.agent?.metadata.generation).toBe(2);
    expect(error(send(before, { op: 'rollout', action: 'restart', kind: 'DaemonSet', name: 'nope' }).reply)).toEqual({
      code: 'NotFound',
      message: 'daemonsets.apps "nope" not found',
    });
  });

  it('keeps DaemonSet history and undo out: Baton keeps revisions for Deployments only', () => {
    const reply = send(applied(agent), { op: 'rollout', action: 'undo', kind: 'DaemonSet', name: 'agent' }).reply;
    expect(error(reply)).toEqual({ code: 'Invalid', message: 'rollout undo: Baton keeps revisions for Deployments only, not for DaemonSet "agent"' });
  });
});

describe('rollout history', () => {
  it('lists the kept revisions with their change-cause, oldest first, and one with its template', () => {
    const state = applied(web('a:1', 'first'), web('a:2'));
    const all = send(state, { op: 'rollout', action: 'history', kind: 'Deployment', name: 'web' });
    expect(all.state).toBeUndefined();
    expect(result(all.reply)).toEqual({
      kind: 'Deployment',
      name: 'web',
      action: 'history',
      changed: false,
      revisions: [{ revision: 1, changeCause: 'first' }, { revision: 2 }],
    });
    const one = result(send(state, { op: 'rollout', action: 'history', kind: 'Deployment', name: 'web', toRevision: 1 }).reply);
    expect(one.revisions).toEqual([{ revision: 1, changeCause: 'first', template: expect.objectContaining({ metadata: { labels: { app: 'web' } } }) }]);
    expect(error(send(state, { op: 'rollout', action: 'history', kind: 'Deployment', name: 'web', toRevision: 9 }).reply)).toEqual({
      code: 'Invalid',
      message: 'unable to find the specified revision',
    });
  });
});
