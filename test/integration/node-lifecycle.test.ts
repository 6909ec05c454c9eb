import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../protocol/codec.js';
import type { DesiredPod, NodeDesired, NodeStatus, PodStatus, PodStatusReport } from '../../protocol/messages.js';
import { runCli, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltCli } from './cli-fixtures.js';
import {
  BrokerFixture,
  deploymentManifest,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  startCoordinator,
  tempStateDir,
  TestClient,
  type BrokerKind,
} from './coordinator-harness.js';

/**
 * Node lifecycle through the built coordinator, on both brokers, with fake nodes played
 * over MQTT as agents would: heartbeats, last wills and pod status reports. A node whose
 * status stops arriving is NotReady after --node-grace; a Deployment pod on a node not
 * Ready for --eviction-timeout is replaced elsewhere and dropped from its node once the
 * replacement is Ready; a node that comes back keeps what it runs; a restart churns nothing.
 */

beforeAll(async () => {
  requireBuiltCoordinator();
  await requireBuiltCli();
});

/** Well inside the 1 s --node-grace these tests run with: a node that keeps sending is never taken for gone. */
const HEARTBEAT_MS = 200;

/** Deployment `name`, pinned by nodeSelector to nodes labelled pool=`pool`. */
function pinned(name: string, replicas: number, pool: string): Record<string, unknown> {
  const manifest = deploymentManifest(name, replicas) as { spec: { template: { spec: Record<string, unknown> } } };
  manifest.spec.template.spec.nodeSelector = { pool };
  return manifest;
}

const readyStatus = (): PodStatus => ({
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'baton-test/busybox:1', state: { running: { startedAt: new Date().toISOString() } } }],
});

const startingStatus = (): PodStatus => ({
  phase: 'Pending',
  conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
  containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'baton-test/busybox:1', state: { waiting: { reason: 'ContainerCreating' } } }],
});

/** The offline status an agent's last will carries. */
const will = (node: string): NodeStatus => ({ protocol: 'v1', node, state: 'offline', reason: 'ConnectionLost' });

describe.each<BrokerKind>(['embedded', 'mosquitto'])('node lifecycle on the %s broker', (kind) => {
  let broker: BrokerFixture;
  let stateDir: string;
  let coordinator: Running | undefined;
  let client: TestClient;
  let heartbeat: NodeJS.Timeout | undefined;
  /** The fake nodes that keep sending their status, with their labels. */
  const alive = new Map<string, Record<string, string>>();

  async function start(args: string[]): Promise<void> {
    broker = new BrokerFixture(kind);
    await broker.start();
    stateDir = await tempStateDir();
    client = new TestClient(broker.url);
    if (kind === 'mosquitto') await client.start();
    coordinator = startCoordinator(broker, stateDir, args);
    if (kind === 'embedded') await client.start();
    await client.waitForCoordinator();
  }

  /** Restarts the coordinator on the same state dir and broker (an embedded broker restarts with it, empty). */
  async function restart(args: string[]): Promise<void> {
    await coordinator?.stop('SIGKILL');
    await waitFor('the client to see the coordinator gone', () => client.message(client.topics.coordinatorStatus())?.includes('"offline"') || kind === 'embedded');
    coordinator = startCoordinator(broker, stateDir, args);
    // A request sent before the new coordinator listens is never answered: ask again soon.
    await waitFor('the coordinator back online', async () => (await client.request({ op: 'list', kind: 'nodes' }, 300).catch(() => undefined))?.ok === true, { timeoutMs: 20_000 });
  }

  /** Nodes that keep publishing their status every HEARTBEAT_MS, as agents do every --status-interval. */
  async function bring(node: string, labels: Record<string, string> = {}): Promise<void> {
    alive.set(node, labels);
    await client.setNode(fakeNodeStatus(node, { labels }));
    heartbeat ??= setInterval(() => {
      for (const [name, nodeLabels] of alive) void client.setNode(fakeNodeStatus(name, { labels: nodeLabels })).catch(() => undefined);
    }, HEARTBEAT_MS);
  }

  /** The node's agent drops off the broker: its heartbeat stops and its last will says offline. */
  async function dropOff(node: string): Promise<number> {
    alive.delete(node);
    await client.setNode(will(node));
    return Date.now();
  }

  async function report(node: string, pod: DesiredPod, status: PodStatus): Promise<void> {
    const generation = client.desired(node)?.generation ?? 0;
    const body: PodStatusReport = { protocol: 'v1', node, name: pod.name, uid: pod.uid, observedGeneration: generation, status };
    await client.publishRaw(client.topics.podStatus(node, pod.name), encodePayload(body), true);
  }

  const podsOf = (desired: NodeDesired | undefined, prefix: string): DesiredPod[] => (desired?.pods ?? []).filter((p) => p.name.startsWith(`${prefix}-`));
  const baton = (...args: string[]) => runCli(args, { env: { BATON_BROKER: broker.url, BATON_TIMEOUT: '10' } });
  const nodeLine = (table: string, node: string): string | undefined => table.split('\n').find((line) => line.startsWith(`${node} `));

  /** Waits for one pod of `prefix` on one of `nodes`; returns it and its node. */
  async function placedPod(prefix: string, nodes: string[]): Promise<{ pod: DesiredPod; node: string }> {
    return waitFor(`a ${prefix} pod on one of ${nodes.join(', ')}`, () => {
      for (const node of nodes) {
        const [pod] = podsOf(client.desired(node), prefix);
        if (pod !== undefined) return { pod, node };
      }
      return undefined;
    });
  }

  /** Two nodes and a Deployment of one, its pod Ready on one of them (the node the test will lose). */
  async function readyOriginal(): Promise<{ original: DesiredPod; lostNode: string; spareNode: string; lostDesired: ReturnType<TestClient['desired']> }> {
    await start(['--node-grace', '1s', '--eviction-timeout', '1s']);
    await bring('node-a');
    await bring('node-b');
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 1)] });
    const { pod: original, node: lostNode } = await placedPod('web', ['node-a', 'node-b']);
    await report(lostNode, original, readyStatus());
    await waitFor('the original Ready', async () => (await readyReplicas('web')) === 1);
    return { original, lostNode, spareNode: lostNode === 'node-a' ? 'node-b' : 'node-a', lostDesired: client.desired(lostNode) };
  }

  async function readyReplicas(name: string): Promise<unknown> {
    return (await client.list('deployments')).find((d) => d.metadata.name === name)?.status?.['readyReplicas'];
  }

  afterEach(async (context) => {
    clearInterval(heartbeat);
    heartbeat = undefined;
    alive.clear();
    if (context.task.result?.state === 'fail' && coordinator) console.log(`coordinator output:\n${coordinator.output()}`);
    await client.stop();
    await coordinator?.stop();
    await broker.stop();
    await removeDir(stateDir);
  });

  it('shows a node whose status stops arriving (no will) NotReady after --node-grace, and Ready again when it reports', async () => {
    await start(['--node-grace', '1s', '--eviction-timeout', '1m']);
    await bring('steady');
    await client.setNode(fakeNodeStatus('silent'));
    const lastStatusAt = Date.now();
    await waitFor('the coordinator to know both nodes', async () => (await client.list('nodes')).length === 2);

    const table = await waitFor(
      'get nodes to show the silent node NotReady',
      async () => {
        const out = await baton('get', 'nodes');
        return /^silent\s+NotReady\s/.test(nodeLine(out.stdout, 'silent') ?? '') ? out : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(Date.now() - lastStatusAt).toBeGreaterThanOrEqual(1_000);
    expect(table.code).toBe(0);
    expect(nodeLine(table.stdout, 'steady')).toMatch(/^steady\s+Ready\s/);
    // Its own retained status still says online: the verdict is the coordinator's.
    expect(client.message(client.topics.nodeStatus('silent'))).toContain('"online"');
    const json = JSON.parse((await baton('get', 'node', 'silent', '-o', 'json')).stdout) as { status: NodeStatus };
    expect(json.status).toMatchObject({
      state: 'offline',
      reason: 'NodeStatusUnknown',
      conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Baton agent stopped posting node status.' }],
    });
    expect(coordinator?.output()).toMatch(/"node":"silent","reason":"NodeStatusUnknown".*node NotReady: Baton agent stopped posting node status/);
    const described = (await baton('describe', 'node', 'silent')).stdout;
    expect(described).toMatch(/^State:\s+offline \(NodeStatusUnknown\)$/m);
    expect(described).toMatch(/^\s+Ready\s+Unknown\b/m);

    await client.setNode(fakeNodeStatus('silent'));
    await waitFor('get nodes to show it Ready again', async () => /^silent\s+Ready\s/.test(nodeLine((await baton('get', 'nodes')).stdout, 'silent') ?? ''));
    expect(coordinator?.output()).toMatch(/"node":"silent","reason":"NodeReady".*node Ready again/);
  });

  it('replaces a Deployment pod of a node offline for --eviction-timeout, and drops the original once the replacement is Ready', async () => {
    const { original, lostNode, spareNode, lostDesired } = await readyOriginal();

    const offlineAt = await dropOff(lostNode);
    const { pod: replacement } = await placedPod('web', [spareNode]);
    expect(Date.now() - offlineAt).toBeGreaterThanOrEqual(1_000);
    expect(replacement.name).not.toBe(original.name);
    // The original stays bound (its node runs it if it comes back) until the replacement is Ready.
    expect(client.desired(lostNode)).toEqual(lostDesired);
    expect(coordinator?.output()).toContain(`"pod":"${original.name}","node":"${lostNode}","reason":"NodeUnreachable"`);

    await report(spareNode, replacement, startingStatus());
    await waitFor('the replacement reported starting', async () => (await client.list('pods')).some((p) => p.metadata.name === replacement.name && p.status?.['phase'] === 'Pending'));
    expect(podsOf(client.desired(lostNode), 'web').map((p) => p.name)).toEqual([original.name]);

    await report(spareNode, replacement, readyStatus());
    await waitFor('the original dropped from the lost node', () => client.desired(lostNode)?.pods.length === 0);
    expect((await client.list('pods')).map((p) => [p.metadata.name, p.spec.nodeName])).toEqual([[replacement.name, spareNode]]);
  });

  it('changes nothing when the node comes back before --eviction-timeout', async () => {
    await start(['--node-grace', '1s', '--eviction-timeout', '2s']);
    await bring('node-a', { pool: 'main' });
    await bring('node-b', { pool: 'main' });
    await bring('node-w', { pool: 'witness' });
    await client.request({ op: 'apply', objects: [pinned('web', 1, 'main'), pinned('witness', 1, 'witness')] });
    const { pod: original, node: blinkNode } = await placedPod('web', ['node-a', 'node-b']);
    const { pod: witness } = await placedPod('witness', ['node-w']);
    await report(blinkNode, original, readyStatus());
    await waitFor('the original Ready', async () => (await readyReplicas('web')) === 1);
    const before = { a: client.desired('node-a'), b: client.desired('node-b') };
    const podsBefore = (await client.list('pods')).map((p) => [p.metadata.uid, p.spec.nodeName]).sort();

    // Both drop off together; the witness node stays away, the other comes back at once.
    await dropOff(blinkNode);
    await dropOff('node-w');
    await waitFor('the coordinator to see the node offline', async () => (await client.list('nodes')).find((n) => n.metadata.name === blinkNode)?.status?.['state'] === 'offline');
    await bring(blinkNode, { pool: 'main' });
    await report(blinkNode, original, readyStatus()); // an agent republishes its pods when it reconnects
    await waitFor('the node online again', async () => (await client.list('nodes')).find((n) => n.metadata.name === blinkNode)?.status?.['state'] === 'online');

    // The witness went away no earlier, so once it is evicted the timeout has passed for the other too.
    await waitFor('the witness pod evicted', () => coordinator?.output().includes(`"pod":"${witness.name}","node":"node-w","reason":"NodeUnreachable"`), { timeoutMs: 15_000 });
    await waitFor('web counted Ready again', async () => (await readyReplicas('web')) === 1);
    expect({ a: client.desired('node-a'), b: client.desired('node-b') }).toEqual(before);
    expect((await client.list('pods')).filter((p) => p.metadata.name.startsWith('web-')).map((p) => [p.metadata.uid, p.spec.nodeName]).sort()).toEqual(
      podsBefore.filter(([uid]) => uid === original.uid),
    );
    expect(coordinator?.output()).not.toContain(`"pod":"${original.name}","node":"${blinkNode}","reason":"NodeUnreachable"`);
  });

  it('keeps the original and deletes the replacement when the node comes back after the eviction, while the replacement is not Ready', async () => {
    const { original, lostNode, spareNode, lostDesired } = await readyOriginal();

    await dropOff(lostNode);
    const { pod: replacement } = await placedPod('web', [spareNode]);
    await report(spareNode, replacement, startingStatus());

    await bring(lostNode);
    await report(lostNode, original, readyStatus()); // republished on reconnect
    await waitFor('the replacement deleted from the spare node', () => podsOf(client.desired(spareNode), 'web').length === 0);
    expect(client.desired(lostNode)).toEqual(lostDesired);
    expect((await client.list('pods')).map((p) => [p.metadata.name, p.spec.nodeName])).toEqual([[original.name, lostNode]]);
  });

  it('creates and deletes nothing when restarted (same state dir) while a node is offline, and keeps the generations', async () => {
    const args = ['--eviction-timeout', '5m'];
    await start(args);
    await client.setNode(fakeNodeStatus('node-a'));
    await client.setNode(fakeNodeStatus('node-b'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
    const onA = await waitFor('a web pod on node-a', () => podsOf(client.desired('node-a'), 'web')[0]);
    const onB = await waitFor('a web pod on node-b', () => podsOf(client.desired('node-b'), 'web')[0]);
    await report('node-a', onA, readyStatus());
    await report('node-b', onB, readyStatus());
    await waitFor('both Ready', async () => (await readyReplicas('web')) === 2);
    await client.setNode(will('node-b'));
    await waitFor('node-b offline', async () => (await client.list('nodes')).find((n) => n.metadata.name === 'node-b')?.status?.['state'] === 'offline');
    const desired = { a: client.desired('node-a'), b: client.desired('node-b') };
    const pods = (await client.list('pods')).map((p) => [p.metadata.name, p.metadata.uid, p.spec.nodeName]).sort();
    client.forgetDesired('node-a');
    client.forgetDesired('node-b');

    await restart(args);
    // The embedded broker came back empty: the nodes republish (the test client does for
    // statuses), and node-a's agent its pod reports, as agents do on every connect.
    if (kind === 'embedded') await report('node-a', onA, readyStatus());
    await waitFor('node-a heard with its pod Ready, node-b offline', async () => {
      const items = await client.list('pods');
      const nodes = await client.list('nodes');
      return (
        items.find((p) => p.metadata.name === onA.name)?.status?.['phase'] === 'Running'
        && nodes.find((n) => n.metadata.name === 'node-b')?.status?.['reason'] === 'ConnectionLost'
      );
    });
    await waitFor('the desired states republished', () => client.desired('node-a') !== undefined && client.desired('node-b') !== undefined);
    expect({ a: client.desired('node-a'), b: client.desired('node-b') }).toEqual(desired);
    expect((await client.list('pods')).map((p) => [p.metadata.name, p.metadata.uid, p.spec.nodeName]).sort()).toEqual(pods);
    expect(coordinator?.output()).not.toMatch(/"reason":"(Created|Deleted)"/);
  });
});
