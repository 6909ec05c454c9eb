import { describe, expect, it } from 'vitest';
import type { NodeStatus, PodStatus } from '../protocol/messages.js';
import { coordinatorStateSchema, emptyState, type CoordinatorState } from './state.js';
import { reconcile, timelessLifecycle, type Lifecycle, type Observations } from './reconcile.js';
import { daemonSet, deployment, nodeStatus, pod, specRequesting, testEntropy } from './test-fixtures.js';

function observe(statuses: NodeStatus[], options: { gone?: string[]; pods?: Record<string, PodStatus> } = {}): Observations {
  return {
    nodeStatuses: new Map(statuses.map((s) => [s.node, s])),
    goneNodes: new Set(options.gone ?? []),
    podStatus: (uid) => options.pods?.[uid],
  };
}

const withDeployment = (replicas: number): CoordinatorState => ({ ...emptyState(), deployments: { web: deployment('web', replicas) } });

function podsOn(state: CoordinatorState): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of Object.values(state.pods)) (out[p.nodeName ?? '-'] ??= []).push(p.metadata.name);
  return out;
}

describe('reconcile', () => {
  it('creates, spreads and binds a Deployment, and gives each node a generation', () => {
    const result = reconcile(withDeployment(3), observe([nodeStatus('a'), nodeStatus('b')]), testEntropy());
    expect(result.created).toHaveLength(3);
    expect(result.bound.size).toBe(3);
    const counts = Object.values(podsOn(result.state)).map((names) => names.length).sort();
    expect(counts).toEqual([1, 2]);
    expect(result.state.nodes.a?.generation).toBe(1);
    expect(result.state.nodes.b?.generation).toBe(1);
  });

  it('converges in one pass: a second pass changes nothing and draws no names, uids or time', () => {
    const observed = observe([nodeStatus('a'), nodeStatus('b')]);
    const first = reconcile(withDeployment(3), observed, testEntropy());
    const entropy = testEntropy();
    const second = reconcile(first.state, observed, entropy);
    expect(second.state).toEqual(first.state);
    expect(second.created).toEqual([]);
    expect(second.deleted).toEqual([]);
    expect(entropy.calls).toEqual({ now: 0, uid: 0, suffix: 0 });
  });

  it('changes nothing after a restart (state read back through the store schema, no node heard yet)', () => {
    const first = reconcile(withDeployment(3), observe([nodeStatus('a'), nodeStatus('b')]), testEntropy());
    const reloaded = coordinatorStateSchema.parse(JSON.parse(JSON.stringify(first.state)));
    const afterRestart = reconcile(reloaded, observe([]), testEntropy());
    expect(afterRestart.state).toEqual(first.state);
    const heardAgain = reconcile(afterRestart.state, observe([nodeStatus('a'), nodeStatus('b')]), testEntropy());
    expect(heardAgain.state).toEqual(first.state);
  });

  it('leaves pods pending with the reason while no node fits, and binds them once one does', () => {
    const state = { ...emptyState(), pods: { big: pod('big', { spec: specRequesting({ memory: '16Gi' }) }) } };
    const none = reconcile(state, observe([]), testEntropy());
    expect(none.unschedulable.get('big')).toBe('0/0 nodes are available: no nodes available to schedule pods.');
    const small = reconcile(none.state, observe([nodeStatus('a'), nodeStatus('b')]), testEntropy());
    expect(small.unschedulable.get('big')).toBe('0/2 nodes are available: 2 Insufficient memory.');
    expect(small.state.pods.big?.nodeName).toBeUndefined();
    const large = reconcile(small.state, observe([nodeStatus('a'), nodeStatus('b'), nodeStatus('huge', { memory: '32Gi' })]), testEntropy());
    expect(large.state.pods.big?.nodeName).toBe('huge');
    expect(large.unschedulable.size).toBe(0);
  });

  it('keeps a bound pod on its node when the node goes offline', () => {
    const first = reconcile(withDeployment(2), observe([nodeStatus('a')]), testEntropy());
    const offline = reconcile(first.state, observe([nodeStatus('a', { state: 'offline' })]), testEntropy());
    expect(offline.state).toEqual(first.state);
  });

  it('never hands a node a generation below the one it applied (store lost), and then stays put', () => {
    const applied = (generation: number): NodeStatus => ({ ...nodeStatus('a'), observedGeneration: generation });
    const fresh = reconcile(withDeployment(1), observe([applied(50)]), testEntropy());
    expect(fresh.state.nodes.a?.generation).toBe(51);
    const acknowledged = reconcile(fresh.state, observe([applied(51)]), testEntropy());
    expect(acknowledged.state).toEqual(fresh.state);
    // Unchanged pods, but the node is ahead of the store: the same set again, numbered above it.
    const ahead = reconcile(fresh.state, observe([applied(60)]), testEntropy());
    expect(ahead.state.nodes.a?.generation).toBe(61);
    expect(ahead.state.pods).toEqual(fresh.state.pods);
  });

  it('deletes pods whose owner no longer exists', () => {
    const first = reconcile(withDeployment(2), observe([nodeStatus('a')]), testEntropy());
    const orphaned = reconcile({ ...first.state, deployments: {} }, observe([nodeStatus('a')]), testEntropy());
    expect(orphaned.state.pods).toEqual({});
    expect(orphaned.deleted).toHaveLength(2);
    expect(orphaned.state.nodes.a?.generation).toBe((first.state.nodes.a?.generation ?? 0) + 1);
  });

  it('runs DaemonSets over the nodes heard from', () => {
    const state = { ...emptyState(), daemonSets: { agent: daemonSet('agent') } };
    const result = reconcile(state, observe([nodeStatus('a'), nodeStatus('b')]), testEntropy());
    expect(podsOn(result.state)).toEqual({ a: ['agent-s0001'], b: ['agent-s0002'] });
    const left = reconcile(result.state, observe([nodeStatus('a')], { gone: ['b'] }), testEntropy());
    expect(podsOn(left.state)).toEqual({ a: ['agent-s0001'] });
  });

  it('frees the resources of finished pods', () => {
    const done: PodStatus = { phase: 'Succeeded', conditions: [], containerStatuses: [] };
    const state = {
      ...emptyState(),
      pods: {
        job: { ...pod('job', { spec: specRequesting({ memory: '3Gi' }) }), nodeName: 'a' },
        next: pod('next', { spec: specRequesting({ memory: '3Gi' }) }),
      },
    };
    const running = reconcile(state, observe([nodeStatus('a')]), testEntropy());
    expect(running.state.pods.next?.nodeName).toBeUndefined();
    const finished = reconcile(state, observe([nodeStatus('a')], { pods: { 'uid-job': done } }), testEntropy());
    expect(finished.state.pods.next?.nodeName).toBe('a');
  });

  it('scales down pods that are not ready before ready ones', () => {
    const first = reconcile(withDeployment(3), observe([nodeStatus('a')]), testEntropy());
    const ready: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] };
    const names = Object.keys(first.state.pods).sort();
    const readyPods = Object.fromEntries(names.slice(1).map((n) => [first.state.pods[n]!.metadata.uid, ready]));
    const scaled = reconcile({ ...first.state, deployments: { web: deployment('web', 2, { generation: 2 }) } }, observe([nodeStatus('a')], { pods: readyPods }), testEntropy());
    expect(scaled.deleted).toEqual([names[0]]);
  });

  describe('node lifecycle', () => {
    const TIMEOUT = 120_000;
    const ready: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] };
    const lifecycle = (observed: Observations, nowMs: number, notReadySince: Record<string, number>, extra: Partial<Lifecycle> = {}): Lifecycle => ({
      ...timelessLifecycle(observed),
      nowMs,
      evictionTimeoutMs: TIMEOUT,
      clocks: { notReadySince: new Map(Object.entries(notReadySince)), taintsSince: new Map() },
      ...extra,
    });
    const placed = reconcile(withDeployment(2), observe([nodeStatus('a'), nodeStatus('b')]), testEntropy()).state;
    const onB = Object.values(placed.pods).find((p) => p.nodeName === 'b')!;
    const bOffline = observe([nodeStatus('a'), nodeStatus('b', { state: 'offline' })]);

    it('says when a Deployment pod on a node that is not Ready will be given up on, and changes nothing before', () => {
      const result = reconcile(placed, bOffline, testEntropy(), lifecycle(bOffline, 1_000, { b: 0 }));
      expect(result.state).toEqual(placed);
      expect(result.lost).toEqual(new Map());
      expect(result.wakeAtMs).toBe(TIMEOUT);
    });

    it('judges it lost once its node has been not Ready for the eviction timeout, and says why', () => {
      const result = reconcile(placed, bOffline, testEntropy(), lifecycle(bOffline, TIMEOUT, { b: 0 }));
      expect(result.lost).toEqual(new Map([[onB.metadata.name, { node: 'b', reason: 'NodeUnreachable', message: 'node b unreachable for longer than --eviction-timeout 2m0s' }]]));
      expect(result.wakeAtMs).toBeUndefined();
    });

    it('never gives up on DaemonSet pods or pods without a controller', () => {
      const state = { ...emptyState(), daemonSets: { agent: daemonSet('agent') }, pods: { solo: { ...pod('solo'), nodeName: 'b' } } };
      const first = reconcile(state, observe([nodeStatus('a'), nodeStatus('b')]), testEntropy()).state;
      const result = reconcile(first, bOffline, testEntropy(), lifecycle(bOffline, 10 * TIMEOUT, { b: 0 }));
      expect(result.state).toEqual(first);
      expect(result.lost).toEqual(new Map());
      expect(result.wakeAtMs).toBeUndefined();
    });

    it('marks a pod it gives up on, and a restarted coordinator keeps the replacement rather than count the original again', () => {
      const evicted = reconcile(placed, bOffline, testEntropy(), lifecycle(bOffline, TIMEOUT, { b: 0 }));
      const original = evicted.state.pods[onB.metadata.name];
      expect(original?.evictedAt).toMatch(/^2025-01-01T/);
      const [replacement] = evicted.created;
      expect(evicted.state.pods[replacement ?? '']?.nodeName).toBe('a');
      // A restart: clocks start again, nothing reported yet. Nothing is deleted or created.
      const restarted = reconcile(evicted.state, bOffline, testEntropy(), lifecycle(bOffline, 0, { b: 0 }));
      expect({ created: restarted.created, deleted: restarted.deleted }).toEqual({ created: [], deleted: [] });
      // Without the mark the original would count again and the replacement would go.
      const unmarked = { ...evicted.state, pods: { ...evicted.state.pods, [onB.metadata.name]: onB } };
      expect(reconcile(unmarked, bOffline, testEntropy(), lifecycle(bOffline, 0, { b: 0 })).deleted).toEqual([replacement]);
    });

    it('keeps the mark while the node is Ready only by a retained status not heard live since a restart (a node dead without a will)', () => {
      const evicted = reconcile(placed, bOffline, testEntropy(), lifecycle(bOffline, TIMEOUT, { b: 0 }));
      const [replacement] = evicted.created;
      const replacementUid = evicted.state.pods[replacement ?? '']?.metadata.uid;
      const staleOnline = observe([nodeStatus('a'), nodeStatus('b')]);
      const readyReplacement = (uid: string): PodStatus | undefined => (uid === replacementUid ? ready : undefined);
      const restarted = reconcile(evicted.state, staleOnline, testEntropy(), lifecycle(staleOnline, 0, {}, { currentPodStatus: readyReplacement, isHeardLive: (n) => n !== 'b' }));
      // Still lost, so the Ready replacement stands and the original is let go.
      expect({ created: restarted.created, deleted: restarted.deleted }).toEqual({ created: [], deleted: [onB.metadata.name] });
      // Taken as back on the strength of the stale status, it would have been kept and the replacement deleted.
      const believed = reconcile(evicted.state, staleOnline, testEntropy(), lifecycle(staleOnline, 0, {}, { currentPodStatus: (uid) => (uid === onB.metadata.uid ? ready : readyReplacement(uid)) }));
      expect(believed.deleted).toEqual([replacement]);
    });

    it('clears the mark once the node is back', () => {
      const evicted = reconcile(placed, bOffline, testEntropy(), lifecycle(bOffline, TIMEOUT, { b: 0 })).state;
      const back = observe([nodeStatus('a'), nodeStatus('b')]);
      const result = reconcile(evicted, back, testEntropy(), lifecycle(back, TIMEOUT + 1, {}));
      const original = result.state.pods[onB.metadata.name];
      expect(original).toBeDefined();
      expect(original?.evictedAt).toBeUndefined();
    });

    it('reads a report made before its node came back as unknown, not ready: a surplus goes by current reports', () => {
      const names = Object.keys(placed.pods).sort();
      const observed = observe([nodeStatus('a'), nodeStatus('b')], { pods: Object.fromEntries(names.map((n) => [placed.pods[n]!.metadata.uid, ready])) });
      const current = placed.pods[names[1]!]!.metadata.uid;
      const scaled = { ...placed, deployments: { web: deployment('web', 1, { generation: 2 }) } };
      const result = reconcile(scaled, observed, testEntropy(), lifecycle(observed, 0, {}, { currentPodStatus: (uid) => (uid === current ? ready : undefined) }));
      expect(result.deleted).toEqual([names[0]]);
    });
  });
});
