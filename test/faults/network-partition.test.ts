import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus, PodStatusReport } from '../../protocol/messages.js';
import { EmbeddedBroker } from '../../coordinator/embedded-broker.js';
import { BrokerView, desiredState, requireBuiltAgent, testPod, topics, uniqueNode } from '../integration/agent-harness.js';
import { removeNodeContainers } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import { createNetnsLink } from '../support/netns.js';
import { nodeContainers, type NodeContainer } from '../support/node-containers.js';
import { freePort } from '../support/ports.js';
import { repoRoot, type Running } from '../support/processes.js';
import { recordTopics, type TopicLog } from '../support/topic-log.js';
import { waitFor } from '../support/wait.js';
import { FAST_BACKOFF } from './earlier-run.js';

/**
 * A network partition between an agent and its broker, made with a network namespace and
 * a veth pair, cut silently and healed, with mosquitto and with the coordinator's
 * embedded broker. The broker says the node offline (its last will) once the keep-alive
 * runs out (1.5 × it on aedes; mosquitto 2.0.11 adds up to a 5 s sweep); meanwhile the node keeps its pods running and restarts the
 * crashing one by policy; healed, the agent reconnects with its back-off, says online,
 * republishes every pod status at once, and nothing healthy was recreated.
 *
 * The agent runs inside the namespace, so it cannot reach the containers' bridge IPs:
 * these pods have no httpGet or tcpSocket probes.
 */

/** The agent's keep-alive, seconds: short, so the test waits seconds, not tens of them. */
const KEEPALIVE_S = 2;
/**
 * Where the agent's broker listens: on the host end of the pair for the agent, and on
 * loopback for the test (which the cut does not touch). `willBoundMs`: when, after the
 * cut, the broker must have fired the node's last will.
 */
interface PartitionBroker {
  agentUrl: string;
  testUrl: string;
  willBoundMs: number;
  stop(): Promise<void>;
}

const brokers: { kind: string; start: (hostAddress: string) => Promise<PartitionBroker> }[] = [
  {
    kind: 'mosquitto',
    start: async (hostAddress) => {
      const agentPort = await freePort();
      const broker = await startMosquitto({ extraConfig: `listener ${agentPort} ${hostAddress}` });
      await waitFor('mosquitto on the host end of the pair', () => canConnect(hostAddress, agentPort), { timeoutMs: 5000, intervalMs: 50 });
      // 1.5 × the keep-alive after the last packet it heard, on its whole-second clock, plus
      // its sweep: mosquitto 2.0.11 looks for expired keep-alives every 5 s, not at each
      // client's deadline.
      return { agentUrl: `mqtt://${hostAddress}:${agentPort}`, testUrl: broker.url, willBoundMs: (1.5 * KEEPALIVE_S + 1 + 6) * 1000, stop: () => broker.stop() };
    },
  },
  {
    kind: 'the embedded broker (aedes)',
    start: async (hostAddress) => {
      const port = await freePort();
      const broker = new EmbeddedBroker('0.0.0.0', port);
      await broker.start();
      // aedes keeps a timer per client: the will fires 1.5 × the keep-alive after the last
      // packet, which came less than a second before the cut.
      return { agentUrl: `mqtt://${hostAddress}:${port}`, testUrl: `mqtt://127.0.0.1:${port}`, willBoundMs: 1.5 * KEEPALIVE_S * 1000 + 500, stop: () => broker.stop() };
    },
  },
];
const STEADY = ['steady-a', 'steady-b'];
const CRASH = 'crash';

const cleanups: (() => Promise<void>)[] = [];
let agent: Running | undefined;
let failed = false;

beforeAll(() => {
  requireBuiltAgent();
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' || failed) console.log(`agent output (tail):\n${agent?.output().slice(-12_000) ?? ''}`);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.log('cleanup failed:', error));
  agent = undefined;
});

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The node's latest status in the log, and when it came. */
function nodeStatusAfter(log: TopicLog, node: string, from: number, state: NodeStatus['state']): number | undefined {
  return log.messages.find((m) => m.topic === topics.nodeStatus(node) && m.at >= from && m.payload !== '' && (JSON.parse(m.payload) as NodeStatus).state === state)?.at;
}

function podReport(log: TopicLog, node: string, pod: string, from: number): PodStatusReport | undefined {
  const m = log.messages.findLast((x) => x.topic === topics.podStatus(node, pod) && x.at >= from && x.payload !== '');
  return m ? (JSON.parse(m.payload) as PodStatusReport) : undefined;
}

const restartsOf = (containers: readonly NodeContainer[], pod: string): number =>
  Math.max(-1, ...containers.filter((c) => c.pod === pod && !c.isSandbox).map((c) => Number(c.batonRestartCount ?? '0')));

const steadyOf = (containers: readonly NodeContainer[]): NodeContainer[] =>
  containers.filter((c) => STEADY.includes(c.pod)).sort((a, b) => a.pod.localeCompare(b.pod));

describe('a network partition between the agent and its broker', () => {
  it.each(brokers)('on $kind: the node offline once its keep-alive runs out, the pods kept going, and back without recreating anything', async ({ kind, start }) => {
    const node = uniqueNode('np');
    const net = await createNetnsLink();
    cleanups.push(() => net.remove());
    const broker = await start(net.hostAddress);
    cleanups.push(() => broker.stop());
    const log = await recordTopics(broker.testUrl, `${topics.root}/nodes/${node}/#`);
    cleanups.push(() => log.stop());
    const view = await BrokerView.connect(broker.testUrl);
    cleanups.push(() => view.close());

    const stateDir = await mkdtemp(join(tmpdir(), `baton-agent-${node}-`));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    cleanups.push(() => removeNodeContainers(node));
    agent = net.start(process.execPath, [
      `${repoRoot}dist/baton-agent.js`,
      '--broker', broker.agentUrl,
      '--node', node,
      '--state-dir', stateDir,
      '--resync', '1',
      '--status-interval', '1',
      '--keepalive', String(KEEPALIVE_S),
      ...FAST_BACKOFF,
      '--log-level', 'debug',
    ]);
    const started = agent;
    cleanups.push(() => started.stop('SIGKILL'));
    await waitFor('the node online across the pair', () => view.nodeStatus(node)?.state === 'online', { timeoutMs: 15_000 });

    await view.publishDesired(desiredState(node, 1, [
      ...STEADY.map((name) => testPod(name)),
      testPod(CRASH, { command: ['sh', '-c', 'sleep 0.5; exit 1'], restartPolicy: 'Always' }),
    ]));
    await waitFor('the steady pods Running and the crashing pod restarted once, on the broker', () =>
      STEADY.every((pod) => view.podStatus(node, pod)?.status.phase === 'Running') &&
      (view.podStatus(node, CRASH)?.status.containerStatuses[0]?.restartCount ?? 0) >= 1, { timeoutMs: 20_000 });
    const before = steadyOf(await nodeContainers([node]));
    expect(before.map((c) => [c.pod, c.running])).toEqual(STEADY.map((pod) => [pod, true]));

    // Cut: the agent's packets stop reaching the broker, and the broker's the agent.
    const restartsAtCut = restartsOf(await nodeContainers([node]), CRASH);
    const cutAt = performance.now();
    await net.cut();
    const offlineAt = await waitFor('the last will: the node offline on the broker', () => nodeStatusAfter(log, node, cutAt, 'offline'), { timeoutMs: broker.willBoundMs + 2000, intervalMs: 20 });
    const willMs = offlineAt - cutAt;
    expect(view.nodeStatus(node)).toMatchObject({ state: 'offline', reason: 'ConnectionLost' });
    // The broker heard the agent until the cut (a status a second) and nothing after it:
    // no reset, no FIN, so the will waits for the keep-alive to run out.
    expect(willMs).toBeGreaterThanOrEqual(1.5 * KEEPALIVE_S * 1000 - 2000);
    expect(willMs).toBeLessThanOrEqual(broker.willBoundMs);

    // Partitioned: the crashing pod keeps restarting by policy, the steady ones run on.
    const during = await waitFor('two more restarts of the crashing pod while cut off', async () => {
      const containers = await nodeContainers([node]);
      return restartsOf(containers, CRASH) >= restartsAtCut + 2 ? containers : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(steadyOf(during)).toEqual(before);
    expect(performance.now() - cutAt).toBeGreaterThan(1.5 * KEEPALIVE_S * 1000);
    expect(agent.child.exitCode).toBeNull();

    // Heal: the agent reconnects (after its current back-off) and says online again.
    const restartsAtHeal = restartsOf(await nodeContainers([node]), CRASH);
    const healedAt = performance.now();
    await net.heal();
    const onlineAt = await waitFor('the node online again', () => nodeStatusAfter(log, node, healedAt, 'online'), { timeoutMs: 20_000, intervalMs: 20 });
    const reconnectMs = onlineAt - healedAt;
    // At worst an attempt under way when the link came back times out (5 s) and the next
    // one waits out the back-off then due (the outage is short: its ceiling is at most 8 s).
    expect(reconnectMs).toBeLessThan(15_000);

    // Every pod status is current within seconds: republished after the heal, the steady
    // pods with the very containers that ran before the cut.
    const currentAt = await waitFor('every pod status republished and current', () => {
      const steadyCurrent = before.every((c) => {
        const report = podReport(log, node, c.pod, healedAt);
        return report?.status.phase === 'Running' && report.status.containerStatuses[0]?.containerID === `docker://${c.id}`;
      });
      const crash = podReport(log, node, CRASH, healedAt);
      return steadyCurrent && (crash?.status.containerStatuses[0]?.restartCount ?? -1) >= restartsAtHeal ? performance.now() : undefined;
    }, { timeoutMs: 5000, intervalMs: 20 });
    expect(currentAt - onlineAt).toBeLessThan(3000);

    // Nothing healthy was recreated: same IDs, same StartedAt, no restarts, one container each.
    const after = await nodeContainers([node]);
    expect(steadyOf(after)).toEqual(before);
    expect(restartsOf(after, CRASH)).toBeGreaterThanOrEqual(restartsAtHeal);
    console.log(`network partition on ${kind}: last will ${Math.round(willMs)} ms after the cut (keep-alive ${KEEPALIVE_S} s), online ${Math.round(reconnectMs)} ms after the heal, pod statuses current ${Math.round(currentAt - onlineAt)} ms later`);
  });
});
