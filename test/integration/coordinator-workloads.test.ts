import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodePayload } from '../../protocol/codec.js';
import type { PodStatusReport } from '../../protocol/messages.js';
import type { Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  BrokerFixture,
  deploymentManifest,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  startCoordinatorOn,
  TestClient,
  type BrokerKind,
} from './coordinator-harness.js';
import { FakeNode } from './fake-node.js';

/** Workloads over time, through the built coordinator: scaling, DaemonSets, reported pod status. */

beforeAll(() => requireBuiltCoordinator());

const daemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'probe' },
  spec: {
    selector: { matchLabels: { app: 'probe' } },
    template: {
      metadata: { labels: { app: 'probe' } },
      spec: { nodeSelector: { sensor: 'yes' }, containers: [{ name: 'probe', image: 'baton-test/busybox:1', command: ['sleep', '3600'] }] },
    },
  },
};

describe.each<BrokerKind>(['embedded', 'mosquitto'])('workloads on the %s broker', (kind) => {
  let broker: BrokerFixture;
  let stateDir: string;
  let coordinator: Running | undefined;
  let client: TestClient;

  beforeEach(async () => {
    ({ broker, stateDir, coordinator, client } = await startCoordinatorOn(kind));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && coordinator) console.log(`coordinator output:\n${coordinator.output()}`);
    await client.stop();
    await coordinator?.stop();
    await broker.stop();
    await removeDir(stateDir);
  });

  const podsOn = (node: string): string[] => (client.desired(node)?.pods ?? []).map((p) => p.name).sort();

  it('scales a Deployment up and down by re-applying it, one generation per change', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
    const two = await waitFor('2 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 2 ? d : undefined; });

    const up = await client.request({ op: 'apply', objects: [deploymentManifest('web', 4)] });
    expect(up).toMatchObject({ ok: true, result: { results: [{ action: 'configured' }] } });
    const four = await waitFor('4 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 4 ? d : undefined; });
    expect(four.generation).toBe(two.generation + 1);
    expect(four.pods.map((p) => p.name)).toEqual(expect.arrayContaining(two.pods.map((p) => p.name)));

    await client.request({ op: 'apply', objects: [deploymentManifest('web', 1)] });
    const one = await waitFor('1 pod', () => { const d = client.desired('node-a'); return d?.pods.length === 1 ? d : undefined; });
    expect(one.generation).toBe(four.generation + 1);
    const [deployment] = await client.list('deployments');
    expect(deployment?.metadata.generation).toBe(3);
    expect(deployment?.status).toMatchObject({ replicas: 1, observedGeneration: 3 });

    const same = await client.request({ op: 'apply', objects: [deploymentManifest('web', 1)] });
    expect(same).toMatchObject({ ok: true, result: { results: [{ action: 'unchanged' }] } });
    expect(client.desired('node-a')?.generation).toBe(one.generation);
  });

  it('rolls the pods over to a new template as the node reports the new ones Ready', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    const node = new FakeNode(client, 'node-a');
    node.start();
    try {
      await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
      const before = await waitFor('2 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 2 ? d : undefined; });
      await client.request({ op: 'apply', objects: [deploymentManifest('web', 2, { image: 'baton-test/busybox:2' })] });
      const after = await waitFor('2 new pods', () => {
        const d = client.desired('node-a');
        return d?.pods.length === 2 && d.pods.every((p) => p.spec.containers[0]?.image === 'baton-test/busybox:2') ? d : undefined;
      });
      expect(after.pods.map((p) => p.name).filter((n) => before.pods.some((b) => b.name === n))).toEqual([]);
      expect(after.generation).toBeGreaterThan(before.generation + 1);
    } finally {
      node.stop();
    }
  });

  it('runs a DaemonSet pod on each matching node as nodes join, relabel and leave', async () => {
    await client.setNode(fakeNodeStatus('node-a', { labels: { sensor: 'yes' } }));
    await client.setNode(fakeNodeStatus('node-b'));
    const reply = await client.request({ op: 'apply', objects: [daemonSet] });
    expect(reply).toMatchObject({ ok: true, result: { results: [{ kind: 'DaemonSet', name: 'probe', action: 'created' }] } });
    const [onA] = await waitFor('a pod on node-a', () => { const p = podsOn('node-a'); return p.length === 1 ? p : undefined; });
    expect(onA).toMatch(/^probe-[a-z0-9]{5}$/);
    await waitFor('node-b desired (empty)', () => client.desired('node-b')?.pods.length === 0);

    await client.setNode(fakeNodeStatus('node-b', { labels: { sensor: 'yes' } }));
    await waitFor('a pod on node-b', () => podsOn('node-b').length === 1);
    expect(podsOn('node-a')).toEqual([onA]);
    const [item] = (await client.list('daemonsets'));
    expect(item?.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 0, updatedNumberScheduled: 2 });

    await client.setNode(fakeNodeStatus('node-b')); // label removed
    await waitFor('node-b empty again', () => podsOn('node-b').length === 0);
    await client.removeNode('node-a'); // status cleared: left the fleet
    await waitFor('node-a empty', () => podsOn('node-a').length === 0);
    expect(await client.list('pods')).toEqual([]);
    expect((await client.list('nodes')).map((n) => n.metadata.name)).toEqual(['node-b']);
  });

  it('keeps the DaemonSet pod of a node that goes offline (its will carries no labels)', async () => {
    await client.setNode(fakeNodeStatus('node-a', { labels: { sensor: 'yes' } }));
    await client.request({ op: 'apply', objects: [daemonSet] });
    const before = await waitFor('a pod on node-a', () => { const d = client.desired('node-a'); return d?.pods.length === 1 ? d : undefined; });

    // Exactly what the agent's last will says when it drops off the broker.
    await client.setNode({ protocol: 'v1', node: 'node-a', state: 'offline', reason: 'ConnectionLost' });
    const [listed] = await waitFor('node-a listed offline', async () => {
      const nodes = await client.list('nodes');
      return nodes[0]?.status?.state === 'offline' ? nodes : undefined;
    });
    expect(listed?.metadata.labels).toEqual({ sensor: 'yes' });
    expect((await client.list('pods')).map((p) => [p.metadata.name, p.spec.nodeName])).toEqual([[before.pods[0]!.name, 'node-a']]);
    expect(client.desired('node-a')).toEqual(before);
    const [item] = await client.list('daemonsets');
    expect(item?.status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1 });
  });

  it('reports the status a node publishes for a pod, and counts it ready', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
    const desired = await waitFor('2 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 2 ? d : undefined; });
    const pod = desired.pods[0]!;
    const report: PodStatusReport = {
      protocol: 'v1',
      node: 'node-a',
      name: pod.name,
      uid: pod.uid,
      observedGeneration: desired.generation,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'baton-test/busybox:1', state: { running: { startedAt: new Date().toISOString() } } }],
      },
    };
    await client.publishRaw(client.topics.podStatus('node-a', pod.name), encodePayload(report), true);
    const listed = await waitFor('the reported status in list pods', async () => {
      const item = (await client.list('pods')).find((p) => p.metadata.name === pod.name);
      return item?.status?.phase === 'Running' ? item : undefined;
    });
    expect(listed.status).toEqual(report.status);
    await waitFor('1 ready replica', async () => (await client.list('deployments'))[0]?.status?.readyReplicas === 1);
    // A report for an older pod of the same name (another uid) is not this pod's status.
    await client.publishRaw(client.topics.podStatus('node-a', pod.name), encodePayload({ ...report, uid: 'someone-else' }), true);
    await waitFor('the stale report ignored', async () => (await client.list('pods')).find((p) => p.metadata.name === pod.name)?.status?.phase === 'Pending');
    await client.publishRaw(client.topics.podStatus('node-a', pod.name), '', true);
  });
});
