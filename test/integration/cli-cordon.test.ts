import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
} from './coordinator-harness.js';

/**
 * `baton cordon`, `uncordon` and `drain` end to end: the built CLI against the built
 * coordinator over mosquitto, with two fake nodes publishing Ready statuses.
 */

beforeAll(async () => {
  requireBuiltCoordinator();
  await requireBuiltCli();
});

const container = { name: 'app', image: 'baton-test/busybox:1', command: ['sleep', '3600'] };

describe('cordon, uncordon and drain', () => {
  let broker: BrokerFixture;
  let stateDir: string;
  let coordinator: Running | undefined;
  let client: TestClient;

  beforeEach(async () => {
    broker = new BrokerFixture('mosquitto');
    await broker.start();
    stateDir = await tempStateDir();
    client = new TestClient(broker.url);
    await client.start();
    coordinator = startCoordinator(broker, stateDir);
    await client.waitForCoordinator();
    await client.setNode(fakeNodeStatus('node-a'));
    await client.setNode(fakeNodeStatus('node-b'));
    await waitFor('the coordinator to know both nodes', async () => (await client.list('nodes')).length === 2);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && coordinator) console.log(`coordinator output:\n${coordinator.output()}`);
    await client.stop();
    await coordinator?.stop();
    await broker.stop();
    await removeDir(stateDir);
  });

  const baton = (...args: string[]) => runCli(args, { env: { BATON_BROKER: broker.url, BATON_TIMEOUT: '10' } });
  const podsOn = (node: string): string[] => (client.desired(node)?.pods ?? []).map((p) => p.name).sort();
  const nodeLine = (table: string, node: string): string | undefined => table.split('\n').find((line) => line.startsWith(`${node} `));

  it('a cordoned node takes no new pods, shows SchedulingDisabled and stays cordoned across a coordinator restart', async () => {
    expect(await baton('cordon', 'node-a')).toMatchObject({ code: 0, stdout: 'node/node-a cordoned\n' });
    expect(await baton('cordon', 'node-a')).toMatchObject({ code: 0, stdout: 'node/node-a already cordoned\n' });
    expect(await baton('cordon', 'node-x')).toMatchObject({ code: 1, stdout: '', stderr: 'Error from coordinator: nodes "node-x" not found\n' });

    await client.request({ op: 'apply', objects: [deploymentManifest('web', 4)] });
    await waitFor('4 web pods on node-b', () => podsOn('node-b').length === 4);
    expect(podsOn('node-a')).toEqual([]);

    const table = await baton('get', 'nodes');
    expect(table.code).toBe(0);
    expect(nodeLine(table.stdout, 'node-a')).toMatch(/^node-a\s+Ready,SchedulingDisabled\s/);
    expect(nodeLine(table.stdout, 'node-b')).toMatch(/^node-b\s+Ready\s/);
    const json = JSON.parse((await baton('get', 'node', 'node-a', '-o', 'json')).stdout) as { spec: unknown };
    expect(json.spec).toEqual({ unschedulable: true });
    expect((await baton('describe', 'node', 'node-a')).stdout).toMatch(/^Unschedulable:\s+true$/m);
    expect((await baton('describe', 'node', 'node-b')).stdout).toMatch(/^Unschedulable:\s+false$/m);

    await coordinator?.stop();
    coordinator = startCoordinator(broker, stateDir);
    await waitFor('the coordinator to restart', () => client.message(client.topics.coordinatorStatus())?.includes('"offline"'));
    await client.waitForCoordinator();
    expect(nodeLine((await baton('get', 'nodes')).stdout, 'node-a')).toMatch(/^node-a\s+Ready,SchedulingDisabled\s/);
    await client.request({ op: 'apply', objects: [deploymentManifest('more', 2)] });
    await waitFor('2 more pods on node-b', () => podsOn('node-b').length === 6);
    expect(podsOn('node-a')).toEqual([]);

    expect(await baton('uncordon', 'node-a')).toMatchObject({ code: 0, stdout: 'node/node-a uncordoned\n' });
    expect(await baton('uncordon', 'node-a')).toMatchObject({ code: 0, stdout: 'node/node-a already uncordoned\n' });
    expect(nodeLine((await baton('get', 'nodes')).stdout, 'node-a')).toMatch(/^node-a\s+Ready\s/);
    await client.request({ op: 'apply', objects: [deploymentManifest('late', 1)] });
    await waitFor('the new pod on the uncordoned node', () => podsOn('node-a').length === 1);
  });

  it('drain refuses a bare pod without --force, then evicts the Deployment pods and the bare pod, leaving DaemonSet pods', async () => {
    const daemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [container] } } },
    };
    const solo = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { nodeName: 'node-a', containers: [container] } };
    await client.request({ op: 'apply', objects: [deploymentManifest('api', 2), daemonSet, solo] });
    // Spread puts one api replica on each node; the DaemonSet one pod on each.
    await waitFor('3 pods on node-a, 2 on node-b', () => podsOn('node-a').length === 3 && podsOn('node-b').length === 2);
    const onA = podsOn('node-a');
    const apiOnA = onA.filter((name) => name.startsWith('api-'));
    const agentOnA = onA.filter((name) => name.startsWith('agent-'));
    expect(apiOnA).toHaveLength(1);
    expect(agentOnA).toHaveLength(1);

    const refused = await baton('drain', 'node-a');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('node/node-a cordoned\n');
    expect(refused.stderr).toBe('error: unable to drain node "node-a": cannot delete Pods that declare no controller (use --force to override): default/solo\n');
    expect(podsOn('node-a')).toEqual(onA);
    expect(nodeLine((await baton('get', 'nodes')).stdout, 'node-a')).toMatch(/^node-a\s+Ready,SchedulingDisabled\s/);

    const forced = await baton('drain', 'node-a', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(['node/node-a already cordoned', `pod/${apiOnA[0]} evicted`, 'pod/solo evicted', 'node/node-a drained', ''].join('\n'));
    expect(forced.stderr).toBe(`Warning: ignoring DaemonSet-managed Pods: default/${agentOnA[0]}\n`);
    await waitFor('node-a left with its DaemonSet pod only', () => JSON.stringify(podsOn('node-a')) === JSON.stringify(agentOnA));
    await waitFor('both api replicas on node-b', () => podsOn('node-b').filter((name) => name.startsWith('api-')).length === 2);

    expect(await baton('drain', 'node-x')).toMatchObject({ code: 1, stderr: 'Error from coordinator: nodes "node-x" not found\n' });
  });
});
