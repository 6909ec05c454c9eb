import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAllows } from '../../protocol/node-allows.js';
import { runCli, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltCli } from './cli-fixtures.js';
import { BrokerFixture, fakeNodeStatus, removeDir, requireBuiltCoordinator, startCoordinator, tempStateDir, TestClient, type ListedItem } from './coordinator-harness.js';

/**
 * The built coordinator places a pod only on a node whose agent allows what it takes
 * (the `allows` each node publishes in its status); otherwise the pod stays Pending with
 * kube-scheduler's kind of reason, node by node. Nodes are faked over mosquitto: one
 * that says it allows nothing, one from before `allows` (it says nothing), one that
 * allows the host network. `baton describe node` shows what each allows.
 */

beforeAll(async () => {
  requireBuiltCoordinator();
  await requireBuiltCli();
});

const NOTHING: NodeAllows = { privileged: false, hostNetwork: false, hostPaths: [], devices: [] };
const container = { name: 'app', image: 'baton-test/busybox:1', command: ['sleep', '3600'] };
const podManifest = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [container], ...spec } });

describe('scheduling by what nodes allow', () => {
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
    await client.setNode({ ...fakeNodeStatus('strict'), allows: NOTHING });
    await client.setNode(fakeNodeStatus('older'));
    await client.setNode({ ...fakeNodeStatus('netted'), allows: { ...NOTHING, hostNetwork: true } });
    await waitFor('the coordinator to know the three nodes', async () => (await client.list('nodes')).length === 3);
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
  const scheduledCondition = (pod: ListedItem | undefined) => (pod?.status?.['conditions'] as { type: string; status: string; reason?: string; message?: string }[] | undefined)?.find((c) => c.type === 'PodScheduled');

  async function pendingMessage(name: string): Promise<string | undefined> {
    const pod = await waitFor(`pod ${name} Unschedulable`, async () => {
      const item = (await client.list('pods')).find((p) => p.metadata.name === name);
      return scheduledCondition(item)?.reason === 'Unschedulable' ? item : undefined;
    });
    expect(pod.status?.['phase']).toBe('Pending');
    // Not bound: no node is asked to run it (a pod with nodeName keeps that field, bound or not).
    for (const node of ['strict', 'older', 'netted']) expect(podsOn(node), node).not.toContain(name);
    return scheduledCondition(pod)?.message;
  }

  it('a privileged pod stays Pending while no node allows it, and goes to the first node that does', async () => {
    const reply = await client.request({ op: 'apply', objects: [podManifest('gpio', { containers: [{ ...container, securityContext: { privileged: true } }] }), podManifest('plain', {})] });
    expect(reply.ok).toBe(true);
    expect(await pendingMessage('gpio')).toBe("0/3 nodes are available: 3 node(s) didn't allow privileged containers.");
    await waitFor('the plain pod placed', async () => ['strict', 'older', 'netted'].some((n) => podsOn(n).includes('plain')));

    await client.setNode({ ...fakeNodeStatus('pi-gpio'), allows: { ...NOTHING, privileged: true } });
    await waitFor('the privileged pod on pi-gpio', () => podsOn('pi-gpio').includes('gpio'));
  });

  it('hostNetwork goes to the node that allows it; hostPath and devices, named, stay Pending; nodeName does not get round it', async () => {
    await client.request({
      op: 'apply',
      objects: [
        podManifest('exporter', { hostNetwork: true }),
        podManifest('logs', { volumes: [{ name: 'v', hostPath: { path: '/var/log/' } }] }),
        podManifest('serial', { volumes: [{ name: 'tty', hostPath: { path: '/dev/ttyUSB0', type: 'CharDevice' } }] }),
        podManifest('pinned', { nodeName: 'strict', hostNetwork: true }),
      ],
    });
    await waitFor('the hostNetwork pod on netted', () => podsOn('netted').includes('exporter'));
    expect(await pendingMessage('logs')).toBe("0/3 nodes are available: 3 node(s) didn't allow hostPath /var/log.");
    expect(await pendingMessage('serial')).toBe("0/3 nodes are available: 3 node(s) didn't allow device /dev/ttyUSB0.");
    expect(await pendingMessage('pinned')).toBe("0/3 nodes are available: 1 node(s) didn't allow hostNetwork, 2 node(s) didn't match the requested node name.");
    expect(podsOn('strict')).toEqual([]);
  });

  it('baton describe node says what each node allows', async () => {
    await client.setNode({ ...fakeNodeStatus('lenient'), allows: { privileged: true, hostNetwork: false, hostPaths: ['/srv/data'], devices: ['/dev/ttyUSB*'] } });
    await waitFor('the coordinator to know lenient', async () => (await client.list('nodes')).length === 4);
    const lenient = await baton('describe', 'node', 'lenient');
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stdout).toMatch(/^Allows:\s+privileged containers\n\s+hostPath \/srv\/data\n\s+device \/dev\/ttyUSB\*\n/m);
    expect((await baton('describe', 'node', 'strict')).stdout).toMatch(/^Allows:\s+plain containers only$/m);
    expect((await baton('describe', 'node', 'older')).stdout).toMatch(/^Allows:\s+<not reported: plain containers only>$/m);
  });
});
