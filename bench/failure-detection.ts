import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodePayload } from '../protocol/codec.js';
import { podSpecSchema } from '../protocol/manifest.js';
import { nodeStatusSchema, podStatusReportSchema, type DesiredPod, type NodeDesired } from '../protocol/messages.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { Topics } from '../protocol/topics.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { docker, removeNodeContainers, TEST_IMAGE } from '../test/support/docker.js';
import { startMosquitto } from '../test/support/mosquitto.js';
import { repoRoot, startProcess, startProgram, type Running } from '../test/support/processes.js';
import { waitFor } from '../test/support/wait.js';
import { hostAgentBinary } from './binary-sizes.js';
import { detectionCase, type DetectionCase, type DetectionResult } from './detection-report.js';
import { agentUnitEnvironment } from './unit-environment.js';

/**
 * How long Baton takes to notice a failure and act on it, beyond what its configured
 * thresholds make it wait, on one agent against its own open mosquitto:
 *
 * - agent killed (SIGKILL) -> the node reads `offline` on the broker (its last will, sent
 *   by mosquitto when the socket closes: no threshold applies, the whole time counts);
 * - liveness failure -> the container running again (`restartCount` + 1 on the broker):
 *   the probe runs every 1 s and fails after 3 failures in a row, so 3 s are owed (the
 *   first failing run falls anywhere in the first period, so a round may beat it by up to 1 s);
 * - container killed (`docker kill`) -> running again: the first restart waits for no back-off.
 *
 * Each round uses a pod of its own: a second restart of the same container would owe the
 * 10 s CrashLoopBackOff. t0 is when the `docker exec rm` / `docker kill` command returned
 * (the file gone, the signal delivered) or when SIGKILL was sent; the end is when the
 * message arrived at a subscriber on the broker. All times on this process' monotonic clock.
 */

export type { DetectionResult } from './detection-report.js';

const topics = new Topics();
const PERIOD_SECONDS = 1;
const FAILURE_THRESHOLD = 3;
/** Kubelet's first restart of a container is at once (agent/restart-policy.ts). */
const FIRST_RESTART_DELAY_MS = 0;

interface Seen<T> {
  readonly at: number;
  readonly value: T;
}

interface PodSeen {
  readonly restartCount: number;
  readonly running: boolean;
}

export async function measureFailureDetection(options: { rounds: number; say: (line: string) => void }): Promise<DetectionResult> {
  const { rounds, say } = options;
  if (rounds < 1) throw new Error('failure detection needs at least one round');
  if ((await docker('images', '-q', TEST_IMAGE)) === '') throw new Error(`the image ${TEST_IMAGE} is missing: run scripts/setup.sh (or scripts/build-test-image.sh) first`);
  const program = agentProgram();
  const node = `bench-fd-${randomBytes(4).toString('hex')}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const broker = await startMosquitto({ extraConfig: 'set_tcp_nodelay true' }); // as `baton-coordinator mosquitto-config` writes it
    cleanups.push(() => broker.stop());
    // startMosquitto leaves its config folder behind: it is the folder of the `-c` argument.
    const configDir = dirname(broker.child.spawnargs.at(-1) ?? '');
    if (configDir.startsWith(join(tmpdir(), 'baton-mosquitto-'))) cleanups.push(() => rm(configDir, { recursive: true, force: true }));
    const stateDir = await mkdtemp(join(tmpdir(), 'baton-bench-fd-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    cleanups.push(() => removeNodeContainers(node));
    const startAgent = (): Running => {
      const args = ['--node', node, '--broker', broker.url, '--state-dir', stateDir];
      return program.path === undefined ? startProgram('baton-agent', args) : startProcess(program.path, args, agentUnitEnvironment());
    };
    let agent = startAgent();
    cleanups.push(() => agent.stop());

    const view = new MqttLink({ url: broker.url, clientId: `bench-view-${node}`, reconnect: false });
    await view.start();
    cleanups.push(() => view.stop());
    const nodeSeen: Seen<string>[] = [];
    await view.subscribe(topics.nodeStatus(node), (_topic, payload) => {
      const status = decodePayload(nodeStatusSchema, payload);
      if (status.ok) nodeSeen.push({ at: performance.now(), value: status.value.state });
    });
    const podSeen = new Map<string, Seen<PodSeen>[]>();
    await view.subscribe(topics.allPodStatuses(node), (_topic, payload) => {
      if (payload.length === 0) return;
      const report = decodePayload(podStatusReportSchema, payload);
      if (!report.ok) return;
      const main = report.value.status.containerStatuses.find((c) => c.name === 'main');
      if (main === undefined) return;
      const history = podSeen.get(report.value.name) ?? [];
      history.push({ at: performance.now(), value: { restartCount: main.restartCount, running: main.state.running !== undefined } });
      podSeen.set(report.value.name, history);
    });
    const latest = (pod: string): PodSeen | undefined => podSeen.get(pod)?.at(-1)?.value;
    /** When `state` was first seen at or after `since`. */
    const nodeStateAt = (state: string, since: number): number | undefined => nodeSeen.find((s) => s.at >= since && s.value === state)?.at;
    const waitOnline = async (since: number): Promise<void> => {
      await waitFor(`node ${node} online`, () => nodeStateAt('online', since) !== undefined || exited(agent), { timeoutMs: 30_000, intervalMs: 20 });
      if (exited(agent)) throw new Error(`the agent exited:\n${agent.output()}`);
    };
    await waitOnline(0);

    const livePods = Array.from({ length: rounds }, (_, i) => `live-${i}`);
    const killPods = Array.from({ length: rounds }, (_, i) => `kill-${i}`);
    const desired: NodeDesired = { protocol: PROTOCOL_VERSION, node, generation: 1, pods: [...livePods.map(probedPod), ...killPods.map(plainPod)] };
    await view.publish(topics.nodeDesired(node), JSON.stringify(desired), { retain: true });
    say(`failure detection: ${desired.pods.length} pods desired on node ${node} (${program.name})`);
    const all = [...livePods, ...killPods];
    await waitFor(`${all.length} pods running`, () => all.every((p) => latest(p)?.running === true), { timeoutMs: 120_000, intervalMs: 100 });

    /** Breaks the pod's running container with `act`, then times until the broker reads it running again with one more restart. */
    const timeRestart = async (pod: string, act: (id: string) => Promise<unknown>): Promise<number> => {
      const before = latest(pod)?.restartCount ?? 0;
      const id = await docker('ps', '-q', '--filter', `label=io.baton.node=${node}`, '--filter', `label=io.baton.pod=${pod}`, '--filter', 'label=io.baton.container=main', '--filter', 'status=running');
      if (id === '' || id.includes('\n')) throw new Error(`expected one running container of pod ${pod}, found ${JSON.stringify(id)}`);
      await act(id);
      const t0 = performance.now();
      const back = (): number | undefined => podSeen.get(pod)?.find((s) => s.at >= t0 && s.value.running && s.value.restartCount > before)?.at;
      const at = await waitFor(`pod ${pod} running again`, back, { timeoutMs: 60_000, intervalMs: 20 });
      return at - t0;
    };

    const liveness: number[] = [];
    for (const pod of livePods) {
      liveness.push(await timeRestart(pod, (id) => docker('exec', id, 'rm', '-f', '/tmp/healthy')));
      say(`failure detection: liveness ${liveness.length}/${rounds}: ${Math.round(liveness.at(-1) ?? 0)} ms`);
    }
    const killed: number[] = [];
    for (const pod of killPods) {
      killed.push(await timeRestart(pod, (id) => docker('kill', id)));
      say(`failure detection: container kill ${killed.length}/${rounds}: ${Math.round(killed.at(-1) ?? 0)} ms`);
    }

    // Last, since the agent's restarts would otherwise interleave with the pods' probes.
    const offline: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      agent.child.kill('SIGKILL');
      const at = await waitFor('node offline (last will)', () => nodeStateAt('offline', t0), { timeoutMs: 30_000, intervalMs: 5 });
      offline.push(at - t0);
      say(`failure detection: agent kill ${i + 1}/${rounds}: ${Math.round(at - t0)} ms`);
      await agent.stop();
      const restartedAt = performance.now();
      agent = startAgent();
      await waitOnline(restartedAt);
    }

    const cases: DetectionCase[] = [
      detectionCase('agent killed -> node offline', 'none (last will)', 0, offline),
      detectionCase('liveness failing -> restarted', `${PERIOD_SECONDS} s x ${FAILURE_THRESHOLD}`, PERIOD_SECONDS * FAILURE_THRESHOLD * 1000 + FIRST_RESTART_DELAY_MS, liveness),
      detectionCase('container killed -> restarted', 'none (first restart at once)', FIRST_RESTART_DELAY_MS, killed),
    ];
    return { program: program.name, rounds, cases };
  } finally {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  }
}

function exited(agent: Running): boolean {
  return agent.child.exitCode !== null || agent.child.signalCode !== null;
}

/** The single binary (what a Pi runs) when built for this machine, else `node dist/baton-agent.js`. */
function agentProgram(): { name: string; path?: string } {
  try {
    const path = hostAgentBinary();
    return { name: 'single binary', path };
  } catch {
    if (!existsSync(join(repoRoot, 'dist/baton-agent.js'))) throw new Error('no built agent: run npm run build first');
    return { name: 'node dist/baton-agent.js' };
  }
}

/** A pod whose liveness probe passes while /tmp/healthy exists; its shell exits at once on SIGTERM, so no grace period is waited out. */
function probedPod(name: string): DesiredPod {
  return pod(name, {
    command: ['sh', '-c', 'touch /tmp/healthy; trap "exit 0" TERM; sleep 86400 & wait'],
    livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: PERIOD_SECONDS, failureThreshold: FAILURE_THRESHOLD },
  });
}

function plainPod(name: string): DesiredPod {
  return pod(name, { command: ['sleep', '86400'] });
}

function pod(name: string, container: Record<string, unknown>): DesiredPod {
  const spec = podSpecSchema.parse({ containers: [{ name: 'main', image: TEST_IMAGE, ...container }], terminationGracePeriodSeconds: 2 });
  return { name, uid: `uid-${name}-${randomBytes(3).toString('hex')}`, spec };
}
