import { describe, expect, it } from 'vitest';
import type { PodStatusReport } from '../../protocol/messages.js';
import { TEST_IMAGE } from '../support/docker.js';
import { useFleet, type Fleet, type PodItem } from '../support/fleet.js';
import { nodeContainers } from '../support/node-containers.js';
import { waitFor } from '../support/wait.js';
import { FAST_BACKOFF } from './earlier-run.js';
import { restartsInDocker, sameInstances } from './pod-checks.js';

/**
 * The coordinator killed (SIGKILL) for a while, the broker still up: the agent keeps
 * every pod, restarts the crashing one by policy and keeps the broker's statuses
 * current. The coordinator back on its store changes nothing on the node: no container
 * restarted, the same desired generation, the same pods.
 */

const manifest = (name: string, replicas: number, command: string): string => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  `metadata: { name: ${name} }`,
  'spec:',
  `  replicas: ${replicas}`,
  `  selector: { matchLabels: { app: ${name} } }`,
  '  template:',
  `    metadata: { labels: { app: ${name} } }`,
  '    spec:',
  '      terminationGracePeriodSeconds: 1',
  '      containers:',
  `        - { name: main, image: ${TEST_IMAGE}, command: ${command} }`,
  '',
].join('\n');

/** The restart count `baton get pods` shows for the pod's one container. */
const listedRestarts = (pod: PodItem | undefined): number | undefined =>
  (pod?.status as { containerStatuses?: { restartCount: number }[] } | undefined)?.containerStatuses?.[0]?.restartCount;

async function crashPod(f: Fleet): Promise<PodItem | undefined> {
  return (await f.pods()).find((p) => p.metadata.name.startsWith('crash-'));
}

describe('the coordinator gone for a while', () => {
  const fleet = useFleet({ nodes: 0 });

  it('changes nothing on the node: pods kept, restarts by policy go on, nothing restarted when it is back', async () => {
    const f = fleet();
    const node = f.nodeName(0);
    await f.startAgent(node, FAST_BACKOFF);
    await f.waitForNodes([node], 'Ready');
    await f.apply(`${manifest('steady', 2, '["sleep", "3600"]')}---\n${manifest('crash', 1, '["sh", "-c", "sleep 0.5; exit 1"]')}`);
    const pods = await waitFor('3 pods Running, the crashing one restarted once', async () => {
      const listed = await f.pods();
      const isRunning = listed.length === 3 && listed.every((p) => p.status?.phase === 'Running');
      return isRunning && (listedRestarts(listed.find((p) => p.metadata.name.startsWith('crash-'))) ?? 0) >= 1 ? listed : undefined;
    }, { timeoutMs: 30_000 });
    const crash = pods.find((p) => p.metadata.name.startsWith('crash-'));
    if (!crash) throw new Error('no crash pod');
    const crashTopic = f.client.topics.podStatus(node, crash.metadata.name);
    const healthy = (await nodeContainers([node])).filter((c) => c.pod.startsWith('steady-'));
    expect(healthy).toHaveLength(2);
    const generation = f.client.desired(node)?.generation;

    await f.killCoordinator();
    const before = await restartsInDocker(node, crash.metadata.name);
    await waitFor('two restarts by policy with the coordinator gone, each reported on the broker', async () => {
      const inDocker = await restartsInDocker(node, crash.metadata.name);
      const reported = (JSON.parse(f.client.message(crashTopic) ?? '{}') as Partial<PodStatusReport>).status?.containerStatuses[0]?.restartCount;
      return inDocker >= before + 2 && reported === inDocker;
    }, { timeoutMs: 20_000 });
    sameInstances(healthy, await nodeContainers([node]));
    expect(f.client.message(f.client.topics.nodeStatus(node))).toContain('"online"');

    await f.startCoordinator();
    await waitFor('`baton get pods`: the same 3 pods Running, the restart count as Docker says', async () => {
      const listed = await f.pods();
      const isSame = listed.map((p) => p.metadata.uid).sort().join() === pods.map((p) => p.metadata.uid).sort().join();
      const isRunning = listed.every((p) => p.status?.phase === 'Running');
      return isSame && isRunning && listedRestarts(await crashPod(f)) === (await restartsInDocker(node, crash.metadata.name));
    }, { timeoutMs: 20_000 });
    sameInstances(healthy, await nodeContainers([node]));
    expect((await nodeContainers([node])).filter((c) => c.pod.startsWith('steady-'))).toHaveLength(2);
    expect(f.client.desired(node)?.generation).toBe(generation);
  });
});
