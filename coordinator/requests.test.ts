import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../protocol/messages.js';
import type { Reply, Request } from '../protocol/requests.js';
import type { ListContext } from './list-items.js';
import { reconcile, type Observations } from './reconcile.js';
import { EventStore } from './events.js';
import { decodeRequest, handleRequest } from './requests.js';
import { emptyState, type CoordinatorState } from './state.js';
import { nodeStatus, testEntropy } from './test-fixtures.js';

const base = { protocol: 'v1' as const, id: 'r1', replyTo: 'baton/v1/clients/t/replies' };

const web = (replicas: unknown = 2, image = 'busybox:1') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { tier: 'front' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } } },
});
const solo = (image = 'busybox:1', labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'solo', labels },
  spec: { containers: [{ name: 'app', image }] },
});

const entropy = testEntropy();
const noObservations: Observations = { nodeStatuses: new Map(), goneNodes: new Set(), podStatus: () => undefined };

function context(state: CoordinatorState, observed: Observations = noObservations, unschedulable = new Map<string, string>()): ListContext {
  return { state, observed, unschedulable, observedGeneration: () => undefined, events: [] };
}

type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'protocol' | 'id' | 'replyTo'> : never) : never;

function send(state: CoordinatorState, request: RequestBody, ctx?: Partial<ListContext>) {
  const decision = handleRequest({ ...base, ...request } as Request, { ...context(state), ...ctx }, entropy);
  return { reply: decision.reply, state: decision.state ?? state, changed: decision.state !== undefined };
}

function result(reply: Reply): unknown {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.error)}`);
  return reply.result;
}

describe('apply', () => {
  it('creates, then leaves unchanged, then configures', () => {
    let state = emptyState();
    let out = send(state, { op: 'apply', objects: [web(), solo()] });
    expect(result(out.reply)).toEqual({ results: [{ kind: 'Deployment', name: 'web', action: 'created' }, { kind: 'Pod', name: 'solo', action: 'created' }] });
    state = out.state;
    expect(state.deployments.web?.metadata).toMatchObject({ generation: 1, labels: { tier: 'front' }, namespace: 'default' });
    expect(state.deployments.web?.spec.template.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent'); // defaulted

    out = send(state, { op: 'apply', objects: [web(), solo()] });
    expect(result(out.reply)).toEqual({ results: [{ kind: 'Deployment', name: 'web', action: 'unchanged' }, { kind: 'Pod', name: 'solo', action: 'unchanged' }] });

    out = send(state, { op: 'apply', objects: [web(5)] });
    expect(result(out.reply)).toEqual({ results: [{ kind: 'Deployment', name: 'web', action: 'configured' }] });
    expect(out.state.deployments.web?.metadata.generation).toBe(2);
    expect(out.state.deployments.web?.metadata.uid).toBe(state.deployments.web?.metadata.uid);
  });

  it('does not grow the generation for a label change', () => {
    const created = send(emptyState(), { op: 'apply', objects: [web()] }).state;
    const relabelled = { ...web(), metadata: { name: 'web', labels: { tier: 'back' } } };
    const out = send(created, { op: 'apply', objects: [relabelled] });
    expect(result(out.reply)).toEqual({ results: [{ kind: 'Deployment', name: 'web', action: 'configured' }] });
    expect(out.state.deployments.web?.metadata).toMatchObject({ generation: 1, labels: { tier: 'back' } });
  });

  it('updates a standalone pod in place for labels, and replaces it (new uid, unbound) for a new spec', () => {
    const created = send(emptyState(), { op: 'apply', objects: [solo()] }).state;
    const bound = { ...created, pods: { solo: { ...created.pods.solo!, nodeName: 'n1' } } };
    const relabelled = send(bound, { op: 'apply', objects: [solo('busybox:1', { a: 'b' })] }).state.pods.solo;
    expect(relabelled).toMatchObject({ nodeName: 'n1', metadata: { uid: bound.pods.solo.metadata.uid, labels: { a: 'b' } } });
    const replaced = send(bound, { op: 'apply', objects: [solo('busybox:2')] }).state.pods.solo;
    expect(replaced?.nodeName).toBeUndefined();
    expect(replaced?.metadata.uid).not.toBe(bound.pods.solo.metadata.uid);
  });

  it('applies nothing if any object is invalid, and lists every problem with its object', () => {
    const out = send(emptyState(), { op: 'apply', objects: [solo(), web(-1, 'bad image'), { kind: 'Widget' }] });
    expect(out.changed).toBe(false);
    expect(out.reply.ok).toBe(false);
    if (out.reply.ok) return;
    expect(out.reply.error.code).toBe('Invalid');
    expect(out.reply.error.message).toBe('2 of 3 object(s) invalid; nothing was applied');
    expect(out.reply.error.details).toEqual([
      'Deployment "web": spec.replicas: must be 0 or more',
      'Deployment "web": spec.template.spec.containers[0].image: must not contain spaces',
      'objects[2]: kind: unsupported kind "Widget": Baton supports Pod (v1), Deployment (apps/v1) and DaemonSet (apps/v1)',
    ]);
  });

  it('rejects the same object twice in one request', () => {
    const out = send(emptyState(), { op: 'apply', objects: [web(), web(3)] });
    expect(out.reply.ok ? [] : out.reply.error.details).toEqual(['Deployment "web": appears more than once in this request']);
  });

  it('rejects a Pod whose name a Deployment pod already has', () => {
    const withPods = reconcile(send(emptyState(), { op: 'apply', objects: [web(1)] }).state, noObservations, testEntropy()).state;
    const taken = Object.keys(withPods.pods)[0]!;
    const out = send(withPods, { op: 'apply', objects: [{ ...solo(), metadata: { name: taken } }] });
    expect(out.reply.ok ? [] : out.reply.error.details).toEqual([`Pod "${taken}": metadata.name: already used by a pod of Deployment "web"`]);
  });
});

describe('delete', () => {
  it('deletes a Deployment with its pods', () => {
    const withPods = reconcile(send(emptyState(), { op: 'apply', objects: [web(2), solo()] }).state, noObservations, testEntropy()).state;
    expect(Object.keys(withPods.pods)).toHaveLength(3);
    const out = send(withPods, { op: 'delete', kind: 'Deployment', name: 'web' });
    expect(result(out.reply)).toEqual({ kind: 'Deployment', name: 'web' });
    expect(out.state.deployments).toEqual({});
    expect(Object.keys(out.state.pods)).toEqual(['solo']);
  });

  it('says NotFound for what does not exist', () => {
    const out = send(emptyState(), { op: 'delete', kind: 'DaemonSet', name: 'nope' });
    expect(out.reply).toEqual({ ...{ protocol: 'v1', id: 'r1' }, ok: false, error: { code: 'NotFound', message: 'DaemonSet "nope" not found' } });
  });
});

describe('list', () => {
  const ready: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] };

  function cluster() {
    const applied = send(emptyState(), {
      op: 'apply',
      objects: [web(2), { ...solo(), spec: { containers: [{ name: 'app', image: 'busybox:1', resources: { requests: { memory: '64Gi' } } }] } }],
    }).state;
    const observed: Observations = { nodeStatuses: new Map([['n1', nodeStatus('n1', { labels: { zone: 'x' } })]]), goneNodes: new Set(), podStatus: () => undefined };
    const rec = reconcile(applied, observed, testEntropy());
    return { state: rec.state, observed, unschedulable: rec.unschedulable };
  }

  it('lists pods Kubernetes-style, with the scheduler message for a pending one', () => {
    const { state, observed, unschedulable } = cluster();
    const items = (result(send(state, { op: 'list', kind: 'pods' }, { observed, unschedulable }).reply) as { items: Record<string, unknown>[] }).items;
    expect(items).toHaveLength(3);
    const pending = items.find((i) => (i.metadata as { name: string }).name === 'solo')!;
    expect(pending).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', namespace: 'default' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }],
        containerStatuses: [],
      },
    });
    expect((pending.spec as { nodeName?: string }).nodeName).toBeUndefined();
    const owned = items.find((i) => (i.metadata as { name: string }).name.startsWith('web-'))!;
    expect(owned).toMatchObject({
      spec: { nodeName: 'n1' },
      metadata: { ownerReferences: [{ kind: 'Deployment', name: 'web' }], labels: { app: 'web' } },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
    });
  });

  it('reports the status a node sent for the pod, and computes Deployment status from it', () => {
    const { state, unschedulable } = cluster();
    const webPods = Object.values(state.pods).filter((p) => p.metadata.name.startsWith('web-'));
    const observed: Observations = { nodeStatuses: new Map(), goneNodes: new Set(), podStatus: (uid) => (uid === webPods[0]?.metadata.uid ? ready : undefined) };
    const pods = (result(send(state, { op: 'list', kind: 'pods', name: webPods[0]!.metadata.name }, { observed, unschedulable }).reply) as { items: unknown[] }).items;
    expect(pods).toEqual([expect.objectContaining({ status: ready })]);
    const deployments = (result(send(state, { op: 'list', kind: 'deployments' }, { observed, observedGeneration: () => 1 }).reply) as { items: unknown[] }).items;
    expect(deployments).toEqual([
      expect.objectContaining({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: expect.objectContaining({ name: 'web', generation: 1 }),
        status: expect.objectContaining({ replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 1, observedGeneration: 1 }),
      }),
    ]);
  });

  it('lists nodes with the status they sent', () => {
    const { state, observed } = cluster();
    const nodes = (result(send(state, { op: 'list', kind: 'nodes' }, { observed }).reply) as { items: unknown[] }).items;
    expect(nodes).toEqual([
      { apiVersion: 'v1', kind: 'Node', metadata: expect.objectContaining({ name: 'n1', labels: { zone: 'x' } }), spec: {}, status: nodeStatus('n1', { labels: { zone: 'x' } }) },
    ]);
  });

  it('counts a DaemonSet\'s desired nodes from the nodes its selector picks, and the scheduled ones from its bound pods', () => {
    const probe = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'probe' },
      spec: { selector: { matchLabels: { app: 'probe' } }, template: { metadata: { labels: { app: 'probe' } }, spec: { nodeSelector: { sensor: 'yes' }, containers: [{ name: 'app', image: 'busybox:1' }] } } },
    };
    const applied = send(emptyState(), { op: 'apply', objects: [probe] }).state;
    const statuses = [nodeStatus('a', { labels: { sensor: 'yes' } }), nodeStatus('b', { labels: { sensor: 'yes' }, ready: false }), nodeStatus('c')];
    const observed: Observations = { nodeStatuses: new Map(statuses.map((s) => [s.node, s])), goneNodes: new Set(), podStatus: () => undefined };
    const { state } = reconcile(applied, observed, testEntropy());
    expect(Object.values(state.pods).map((p) => p.nodeName)).toEqual(['a']);
    const items = (result(send(state, { op: 'list', kind: 'daemonsets' }, { observed }).reply) as { items: { status: Record<string, number> }[] }).items;
    // b matches but is not ready yet: it should run the pod and has none.
    expect(items[0]?.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 1, updatedNumberScheduled: 1 });
  });

  it('says NotFound for a named object that does not exist', () => {
    const out = send(emptyState(), { op: 'list', kind: 'pods', name: 'ghost' });
    expect(out.reply.ok ? undefined : out.reply.error).toEqual({ code: 'NotFound', message: 'Pod "ghost" not found' });
  });

  it('lists events, those about one object with involvedObject, and says NotFound for an event name only', () => {
    const store = new EventStore({ maxEvents: 10, maxAgeMs: 3_600_000 }, () => 'e-uid');
    const t = Date.UTC(2026, 0, 1);
    const event = { protocol: 'v1' as const, node: 'n1', time: new Date(t).toISOString(), type: 'Normal' as const, reason: 'Started', message: 'Started container app' };
    store.record({ ...event, pod: 'solo', container: 'app' }, 'uid-solo', t);
    store.record({ ...event, reason: 'NodeReady', message: 'ready' }, undefined, t);
    const events = store.list(t);
    const list = (request: RequestBody) => (result(send(emptyState(), request, { events }).reply) as { items: { reason: string; involvedObject: { kind: string } }[] }).items;
    expect(list({ op: 'list', kind: 'events' }).map((i) => i.reason)).toEqual(['NodeReady', 'Started']);
    expect(list({ op: 'list', kind: 'events', involvedObject: { kind: 'Pod', name: 'solo', uid: 'uid-solo' } }).map((i) => i.reason)).toEqual(['Started']);
    expect(list({ op: 'list', kind: 'events', involvedObject: { kind: 'Pod', name: 'solo', uid: 'another' } })).toEqual([]);
    expect(list({ op: 'list', kind: 'events', involvedObject: { kind: 'Pod', name: 'ghost' } })).toEqual([]);
    const out = send(emptyState(), { op: 'list', kind: 'events', name: 'solo.123' }, { events });
    expect(out.reply.ok ? undefined : out.reply.error).toEqual({ code: 'NotFound', message: 'Event "solo.123" not found' });
  });
});

describe('decodeRequest', () => {
  it('decodes a good request', () => {
    const decoded = decodeRequest(Buffer.from(JSON.stringify({ ...base, op: 'list', kind: 'pods' })));
    expect(decoded).toEqual({ ok: true, request: { ...base, op: 'list', kind: 'pods' } });
  });

  it('keeps a usable reply topic of a bad request, for a BadRequest reply', () => {
    const decoded = decodeRequest(Buffer.from(JSON.stringify({ ...base, op: 'frobnicate' })));
    expect(decoded).toMatchObject({ ok: false, replyTo: base.replyTo, id: 'r1' });
  });

  it.each([
    ['not JSON', 'nope{'],
    ['no reply topic', JSON.stringify({ protocol: 'v1', id: 'x', op: 'list', kind: 'pods' })],
    ['a wildcard reply topic', JSON.stringify({ ...base, replyTo: 'a/#', op: 'list', kind: 'pods' })],
  ])('drops %s without a reply topic', (_what, payload) => {
    const decoded = decodeRequest(Buffer.from(payload));
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? undefined : decoded.replyTo).toBeUndefined();
  });
});

describe('cordon and drain', () => {
  const observed: Observations = { nodeStatuses: new Map([['n1', nodeStatus('n1')], ['n2', nodeStatus('n2')]]), goneNodes: new Set(), podStatus: () => undefined };

  it('cordon replies whether it changed the node, and list nodes shows spec.unschedulable', () => {
    const first = send(emptyState(), { op: 'cordon', node: 'n1', unschedulable: true }, { observed });
    expect(result(first.reply)).toEqual({ node: 'n1', unschedulable: true, changed: true });
    expect(first.changed).toBe(true);
    const again = send(first.state, { op: 'cordon', node: 'n1', unschedulable: true }, { observed });
    expect(result(again.reply)).toEqual({ node: 'n1', unschedulable: true, changed: false });
    expect(again.changed).toBe(false);
    const nodes = (result(send(first.state, { op: 'list', kind: 'nodes' }, { observed }).reply) as { items: { metadata: { name: string }; spec: unknown }[] }).items;
    expect(nodes.map((n) => [n.metadata.name, n.spec])).toEqual([['n1', { unschedulable: true }], ['n2', {}]]);
  });

  it('an unknown node is NotFound, for cordon and drain alike', () => {
    for (const request of [{ op: 'cordon', node: 'nope', unschedulable: false }, { op: 'drain', node: 'nope' }] as const) {
      const { reply } = send(emptyState(), request, { observed });
      expect(reply).toMatchObject({ ok: false, error: { code: 'NotFound', message: 'Node "nope" not found' } });
    }
  });

  it('drain refuses a bare pod with Invalid and no change', () => {
    const applied = send(emptyState(), { op: 'apply', objects: [solo()] }).state;
    const placed = reconcile(applied, observed, testEntropy()).state;
    const node = placed.pods.solo?.nodeName ?? '';
    const out = send(placed, { op: 'drain', node }, { observed });
    expect(out.reply).toMatchObject({ ok: false, error: { code: 'Invalid', message: 'cannot delete Pods that declare no controller (use --force to override): default/solo' } });
    expect(out.changed).toBe(false);
    const forced = send(placed, { op: 'drain', node, force: true }, { observed });
    expect(result(forced.reply)).toEqual({ node, evicted: ['solo'], ignored: [] });
    expect(forced.state.pods.solo).toBeUndefined();
  });
});
