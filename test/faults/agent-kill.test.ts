import { describe, expect, it } from 'vitest';
import type { NodeStatus, PodStatusReport } from '../../protocol/messages.js';
import { containersWithLabels, TEST_IMAGE } from '../support/docker.js';
import { useFleet } from '../support/fleet.js';
import { nodeContainers, type NodeContainer } from '../support/node-containers.js';
import type { LoggedMessage } from '../support/topic-log.js';
import { waitFor } from '../support/wait.js';

/**
 * The agent killed with SIGKILL in the middle of a reconcile pass (a Deployment's pods
 * half created) and started again on the same state directory: it finishes the job from
 * what Docker's labels say. No container is lost or made twice, none that ran is
 * restarted, and the pods are Running on the broker soon after the agent reconnects.
 */

const REPLICAS = 4;
/** Each pod has two containers, so it also has a sandbox: three containers a pod. */
const PER_POD = 3;

const manifest = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: { name: work }',
  'spec:',
  `  replicas: ${REPLICAS}`,
  '  selector: { matchLabels: { app: work } }',
  '  template:',
  '    metadata: { labels: { app: work } }',
  '    spec:',
  '      terminationGracePeriodSeconds: 1',
  '      containers:',
  `        - { name: first, image: ${TEST_IMAGE}, command: ["sleep", "3600"] }`,
  `        - { name: second, image: ${TEST_IMAGE}, command: ["sleep", "3600"] }`,
  '',
].join('\n');

/** When (the log's clock) every pod's latest report after `from` says Running; undefined if never. */
function allRunningAt(messages: readonly LoggedMessage[], from: number, podTopics: readonly string[]): number | undefined {
  const phases = new Map<string, string>();
  for (const m of messages.slice(from)) {
    if (!podTopics.includes(m.topic) || m.payload === '') continue;
    phases.set(m.topic, (JSON.parse(m.payload) as PodStatusReport).status.phase);
    if (podTopics.every((t) => phases.get(t) === 'Running')) return m.at;
  }
  return undefined;
}

const describeContainer = (c: NodeContainer): string => `${c.pod}/${c.container} ${c.id.slice(0, 12)} ${c.state}`;

describe('the agent killed mid-reconcile', () => {
  const fleet = useFleet({ nodes: 1 });

  // Killed once the first container exists (sandboxes being made), and once the pods'
  // own containers are being created and started.
  it.each([
    ['as the first container appears', 1],
    ['with the pods\' own containers being made', REPLICAS + 2],
  ])('killed %s: loses, duplicates and restarts nothing, and reconverges once back', async (_when, killAt) => {
    const f = fleet();
    const node = f.nodeName(0);
    const log = await f.record(`baton/v1/nodes/${node}/#`);

    await f.apply(manifest);
    await waitFor(`${killAt} containers of the Deployment`, async () => (await containersWithLabels(`io.baton.node=${node}`)).length >= killAt, { intervalMs: 10 });
    await f.stopAgent(node, 'SIGKILL');
    const atKill = await nodeContainers([node]);
    console.log(`at the kill: ${atKill.length} of ${REPLICAS * PER_POD} containers: ${atKill.map(describeContainer).join(', ')}`);
    // The kill came mid-way: some of the work was left for the next agent.
    expect(atKill.length).toBeLessThan(REPLICAS * PER_POD);

    const desired = f.client.desired(node);
    const podTopics = (desired?.pods ?? []).map((p) => f.client.topics.podStatus(node, p.name));
    expect(podTopics).toHaveLength(REPLICAS);

    const restartFrom = log.messages.length;
    await f.startAgent(node);
    const converged = await waitFor('every pod container running once, and every pod Running on the broker', async () => {
      const now = await nodeContainers([node]);
      const running = now.filter((c) => c.running);
      const isRunning = podTopics.every((t) => (JSON.parse(log.latest.get(t) ?? '{}') as Partial<PodStatusReport>).status?.phase === 'Running');
      return running.length === REPLICAS * PER_POD && isRunning ? now : undefined;
    }, { timeoutMs: 30_000 });

    // Exactly one container per pod container (and one sandbox per pod), by label.
    expect(converged).toHaveLength(REPLICAS * PER_POD);
    const byPod = new Map<string, string[]>();
    for (const c of converged) byPod.set(c.pod, [...(byPod.get(c.pod) ?? []), c.container].sort());
    expect([...byPod.keys()].sort()).toEqual((desired?.pods ?? []).map((p) => p.name).sort());
    for (const containers of byPod.values()) expect(containers).toEqual(['POD', 'first', 'second']);
    // None lost or replaced: every container there at the kill is the one running now
    // (one only created is started, not made again), and what ran runs on unrestarted.
    for (const before of atKill) {
      const after = converged.find((c) => c.id === before.id);
      expect(after, `${describeContainer(before)} is still there`).toBeDefined();
      if (before.running) expect(after?.startedAt).toBe(before.startedAt);
    }
    for (const c of converged) {
      expect(c.restartCount, describeContainer(c)).toBe(0);
      if (!c.isSandbox) expect(c.batonRestartCount, describeContainer(c)).toBe('0');
    }
    // What the pods say on the broker: Running, no restarts, and started when the first
    // agent said they did (the new one took that over from the broker, not guessed anew).
    for (const t of podTopics) {
      const report = JSON.parse(log.latest.get(t) ?? '{}') as PodStatusReport;
      expect(report.status.containerStatuses.map((s) => s.restartCount)).toEqual([0, 0]);
      const first = log.messages.slice(0, restartFrom).find((m) => m.topic === t && m.payload !== '');
      if (first) expect(report.status.startTime, t).toBe((JSON.parse(first.payload) as PodStatusReport).status.startTime);
    }

    // From the new agent's "online" (sent when it connects) to all pods Running on the broker.
    const statusTopic = f.client.topics.nodeStatus(node);
    const connected = log.messages.slice(restartFrom).find((m) => m.topic === statusTopic && (JSON.parse(m.payload) as NodeStatus).state === 'online');
    const running = allRunningAt(log.messages, restartFrom, podTopics);
    expect(connected).toBeDefined();
    expect(running).toBeDefined();
    const reconvergeMs = Math.max(0, (running ?? 0) - (connected?.at ?? 0));
    console.log(`reconverged ${reconvergeMs.toFixed(0)} ms after the agent reconnected (${atKill.length} of ${REPLICAS * PER_POD} containers were there at the kill)`);
    // Generous: the engine is shared with other tests; the figure above is the measure.
    expect(reconvergeMs).toBeLessThan(10_000);
  });
});
