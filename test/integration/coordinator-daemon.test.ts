import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  BrokerFixture,
  deploymentManifest,
  exitCode,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  startCoordinator,
  startCoordinatorOn,
  TestClient,
  type BrokerKind,
} from './coordinator-harness.js';

/**
 * The built coordinator as a separate process, on the embedded broker and on a real
 * mosquitto, seen only through MQTT: what an agent and the CLI would see.
 */

beforeAll(() => requireBuiltCoordinator());

describe.each<BrokerKind>(['embedded', 'mosquitto'])('baton-coordinator on the %s broker', (kind) => {
  let broker: BrokerFixture;
  let stateDir: string;
  let coordinator: Running | undefined;
  let client: TestClient;

  async function startAll(): Promise<void> {
    coordinator = startCoordinator(broker, stateDir);
    await client.waitForCoordinator();
  }

  async function restartCoordinator(): Promise<void> {
    await coordinator?.stop();
    expect(coordinator?.child.exitCode, coordinator?.output()).toBe(0);
    await startAll();
  }

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

  it('applies a Deployment: replies created and publishes the node its 3 pods, retained', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    const reply = await client.request({ op: 'apply', objects: [deploymentManifest('web', 3)] });
    expect(reply).toMatchObject({ ok: true, result: { results: [{ kind: 'Deployment', name: 'web', action: 'created' }] } });

    const desired = await waitFor('3 pods in node-a desired', () => {
      const d = client.desired('node-a');
      return d !== undefined && d.pods.length === 3 ? d : undefined;
    });
    expect(desired.generation).toBeGreaterThanOrEqual(1);
    for (const pod of desired.pods) {
      expect(pod.name).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(pod.labels?.['pod-template-hash']).toBe(pod.name.split('-')[1]);
      expect(pod.owner).toMatchObject({ kind: 'Deployment', name: 'web' });
      expect(pod.spec.containers[0]?.image).toBe('baton-test/busybox:1');
    }

    const pods = await client.list('pods');
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(desired.pods.map((p) => p.name).sort());
    for (const pod of pods) {
      expect(pod).toMatchObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ kind: 'Deployment', name: 'web' }] },
        spec: { nodeName: 'node-a', restartPolicy: 'Always' },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [] },
      });
      expect(Date.parse(pod.metadata.creationTimestamp)).not.toBeNaN();
    }
    const deployments = await client.list('deployments');
    expect(deployments).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        metadata: expect.objectContaining({ name: 'web', generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } }),
        status: expect.objectContaining({ replicas: 3, readyReplicas: 0, updatedReplicas: 3, availableReplicas: 0, unavailableReplicas: 3, observedGeneration: 1 }),
      }),
    ]);
    const nodes = await client.list('nodes');
    expect(nodes).toEqual([expect.objectContaining({ kind: 'Node', metadata: expect.objectContaining({ name: 'node-a' }), status: expect.objectContaining({ state: 'online' }) })]);
  });

  it('refuses an invalid manifest with every problem and its path, and changes nothing', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    const before = await waitFor('node-a desired', () => client.desired('node-a'));
    const storePath = join(stateDir, 'store.json');
    const storeBefore = await readFile(storePath, 'utf8');
    const bad = deploymentManifest('web', -2);
    const reply = await client.request({ op: 'apply', objects: [deploymentManifest('fine', 1), bad, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'i', bogus: 1 }] } }] });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('Invalid');
    expect(reply.error.details).toEqual([
      'Deployment "web": spec.replicas: must be 0 or more',
      'Pod "x": spec.containers[0].bogus: unknown field (not supported by Baton)',
    ]);
    expect(await client.list('deployments')).toEqual([]);
    expect(await client.list('pods')).toEqual([]);
    expect(client.desired('node-a')).toEqual(before);
    expect(await readFile(storePath, 'utf8')).toBe(storeBefore);
  });

  it('answers a malformed request with BadRequest', async () => {
    const reply = await client.request({ op: 'list', kind: 'widgets' } as never);
    expect(reply).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
  });

  it('deletes a Deployment: its pods leave the desired state and the generation grows', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
    const full = await waitFor('2 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 2 ? d : undefined; });
    const reply = await client.request({ op: 'delete', kind: 'Deployment', name: 'web' });
    expect(reply).toMatchObject({ ok: true, result: { kind: 'Deployment', name: 'web' } });
    const empty = await waitFor('no pods', () => { const d = client.desired('node-a'); return d?.pods.length === 0 ? d : undefined; });
    expect(empty.generation).toBe(full.generation + 1);
    expect(await client.list('pods')).toEqual([]);
    const again = await client.request({ op: 'delete', kind: 'Deployment', name: 'web' });
    expect(again).toMatchObject({ ok: false, error: { code: 'NotFound', message: 'Deployment "web" not found' } });
  });

  it('keeps everything across a restart: same generation, same pod names and uids, store untouched', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 3)] });
    const before = await waitFor('3 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 3 ? d : undefined; });
    const storePath = join(stateDir, 'store.json');
    const storeBefore = await readFile(storePath, 'utf8');
    const inodeBefore = (await stat(storePath)).ino;

    client.forgetDesired('node-a');
    await restartCoordinator();
    const after = await waitFor('node-a desired after the restart', () => client.desired('node-a'));
    expect(after).toEqual(before);
    const pods = await client.list('pods');
    expect(pods.map((p) => [p.metadata.name, p.metadata.uid]).sort()).toEqual(before.pods.map((p) => [p.name, p.uid]).sort());
    // The node is heard again after the restart; nothing changes, so nothing is written.
    await waitFor('node-a heard again', async () => (await client.list('nodes'))[0]?.status?.state === 'online');
    expect((await client.list('deployments'))[0]?.metadata.generation).toBe(1);
    expect(await readFile(storePath, 'utf8')).toBe(storeBefore);
    expect((await stat(storePath)).ino).toBe(inodeBefore);
    expect(client.desired('node-a')?.generation).toBe(before.generation);
  });

  it('numbers a node\'s desired states above the generation the node applied, even with a fresh store', async () => {
    // The node applied generation 50 from an earlier store, now lost: an agent ignores
    // anything older than what it holds, so the numbers must carry on above 50.
    await client.setNode({ ...fakeNodeStatus('node-a'), observedGeneration: 50 });
    const first = await waitFor('node-a desired', () => client.desired('node-a'));
    expect(first.generation).toBeGreaterThan(50);
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 1)] });
    const one = await waitFor('1 pod', () => { const d = client.desired('node-a'); return d?.pods.length === 1 ? d : undefined; });
    expect(one.generation).toBe(first.generation + 1);

    // A node ahead of the store while the coordinator runs: the same pods again, numbered above it.
    await client.setNode({ ...fakeNodeStatus('node-a'), observedGeneration: 70 });
    const bumped = await waitFor('a generation above 70', () => { const d = client.desired('node-a'); return d !== undefined && d.generation > 70 ? d : undefined; });
    expect(bumped).toEqual({ ...one, generation: 71 });

    // ...and persisted: a restart publishes the same number.
    client.forgetDesired('node-a');
    await restartCoordinator();
    expect(await waitFor('node-a desired after the restart', () => client.desired('node-a'))).toEqual(bumped);
  });

  it('refuses to start on a corrupt store, says why in one line, and leaves the file as it was', async () => {
    await coordinator?.stop();
    const storePath = join(stateDir, 'store.json');
    const corrupt = '{"format":"baton-coordinator-store","version":1,"deployments":{"web":';
    await writeFile(storePath, corrupt);
    const broken = startCoordinator(broker, stateDir);
    coordinator = broken;
    expect(await exitCode(broken)).toBe(1);
    const stderr = broken.output().trim().split('\n').filter((l) => !l.startsWith('{'));
    expect(stderr).toEqual([expect.stringMatching(new RegExp(`^baton-coordinator: store file ${storePath} is corrupt \\(not valid JSON`))]);
    expect(await readFile(storePath, 'utf8')).toBe(corrupt);
  });

  it('spreads 3 replicas over two nodes', async () => {
    await client.setNode(fakeNodeStatus('node-a'));
    await client.setNode(fakeNodeStatus('node-b'));
    await waitFor('both nodes known', async () => (await client.list('nodes')).length === 2);
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 3)] });
    const counts = await waitFor('3 pods over both nodes', () => {
      const a = client.desired('node-a')?.pods.length ?? 0;
      const b = client.desired('node-b')?.pods.length ?? 0;
      return a + b === 3 ? [a, b].sort() : undefined;
    });
    expect(counts).toEqual([1, 2]);
  });

  it('leaves a pod that fits no node Pending, with the scheduler message', async () => {
    await client.setNode(fakeNodeStatus('node-a', { memory: '1Gi' }));
    await client.setNode(fakeNodeStatus('node-b', { memory: '2Gi' }));
    await waitFor('both nodes known', async () => (await client.list('nodes')).length === 2);
    const reply = await client.request({ op: 'apply', objects: [deploymentManifest('huge', 1, { memory: '3Gi' })] });
    expect(reply.ok).toBe(true);
    const pod = await waitFor('an unschedulable pod', async () => {
      const [item] = await client.list('pods');
      const condition = (item?.status?.conditions as { reason?: string }[] | undefined)?.[0];
      return condition?.reason === 'Unschedulable' ? item : undefined;
    });
    expect(pod?.spec.nodeName).toBeUndefined();
    expect(pod?.status).toEqual({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient memory.' }],
      containerStatuses: [],
    });
    expect(client.desired('node-a')?.pods).toEqual([]);

    // A node big enough joins: the pod is scheduled there.
    await client.setNode(fakeNodeStatus('node-c', { memory: '8Gi' }));
    const placed = await waitFor('the pod on node-c', () => { const d = client.desired('node-c'); return d?.pods.length === 1 ? d : undefined; });
    expect(placed.pods[0]?.name).toBe(pod?.metadata.name);
  });

  it('stops cleanly on SIGTERM and says offline', async () => {
    await coordinator?.stop('SIGTERM');
    expect(coordinator?.child.exitCode).toBe(0);
    if (kind === 'mosquitto') {
      await waitFor('coordinator offline', () => client.message(client.topics.coordinatorStatus())?.includes('"offline"'));
    }
  });
});
