import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodePayload } from '../protocol/codec.js';
import { podSpecSchema } from '../protocol/manifest.js';
import { nodeStatusSchema, podStatusReportSchema, type DesiredPod, type NodeDesired } from '../protocol/messages.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { Topics } from '../protocol/topics.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { docker, removeNodeContainers, TEST_IMAGE } from '../test/support/docker.js';
import { canConnect } from '../test/support/mosquitto.js';
import { freePort } from '../test/support/ports.js';
import { startProcess, startProgram, type Running } from '../test/support/processes.js';
import { waitFor } from '../test/support/wait.js';
import { dropFromPageCache } from './page-cache.js';
import { agentUnitEnvironment } from './unit-environment.js';

/**
 * One agent brought to rest for measuring: its own mosquitto, the agent with its default
 * timings, and a desired state of N busybox `sleep` pods, sent over MQTT and retained.
 *
 * Nothing here writes to disk: mosquitto runs without a config file or persistence, the
 * desired state goes over MQTT. The agent's state directory is a fresh one under the
 * temporary directory (a real disk here; a tmpfs would hide the agent's writes from the
 * I/O counters), removed by `stop()` with the containers.
 */

/** How the agent is run: the single binary (what a Pi runs) or `node dist/baton-agent.js`. */
export type AgentProgram = { readonly kind: 'binary'; readonly path: string } | { readonly kind: 'node' };

export interface SteadyAgent {
  readonly pid: number;
  readonly node: string;
  /** Bytes the agent has printed to stdout and stderr (its log) so far. */
  logBytes(): number;
  /** Starts keeping the first `lines` log lines printed from now on; the array returned fills as they come. */
  sampleLog(lines: number): readonly string[];
  /** Pods whose last reported phase is Running. */
  running(): number;
  hasExited(): boolean;
  /** Desires `pods` sleep pods, waits until exactly that many report Running, then `settleMs` more. */
  settle(pods: number, settleMs: number): Promise<void>;
  /** Stops the agent and the broker, removes the containers and the state directory. Idempotent. */
  stop(): Promise<void>;
}

const topics = new Topics();

export function describeProgram(program: AgentProgram): string {
  return program.kind === 'binary' ? 'single binary' : 'node dist/baton-agent.js';
}

export async function startSteadyAgent(program: AgentProgram, say: (line: string) => void): Promise<SteadyAgent> {
  if ((await docker('images', '-q', TEST_IMAGE)) === '') throw new Error(`the image ${TEST_IMAGE} is missing: run scripts/setup.sh (or scripts/build-test-image.sh) first`);
  const node = `bench-${randomBytes(4).toString('hex')}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  };
  try {
    const port = await freePort();
    // Without -c, mosquitto listens on localhost only, lets anonymous clients in and keeps nothing on disk.
    const broker = startProcess('mosquitto', ['-p', String(port)]);
    cleanups.push(() => broker.stop());
    const url = `mqtt://127.0.0.1:${port}`;
    await waitFor(`mosquitto on port ${port}`, () => canConnect(port), { timeoutMs: 10_000, intervalMs: 50 });

    const stateDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    cleanups.push(() => removeNodeContainers(node));
    const args = ['--node', node, '--broker', url, '--state-dir', stateDir];
    const env = { BATON_LOG_LEVEL: 'info' };
    // The binary starts as after a boot (page-cache.ts says why); `node` is shared with
    // the bench's own processes, so its pages stay where they are.
    if (program.kind === 'binary') await dropFromPageCache(program.path);
    const agent = program.kind === 'binary' ? startProcess(program.path, args, { ...agentUnitEnvironment(), ...env }) : startProgram('baton-agent', args, env);
    cleanups.push(() => agent.stop());
    let logBytes = 0;
    let sample: string[] = [];
    let sampleLimit = 0;
    const count = (chunk: Buffer): void => {
      logBytes += chunk.length;
      if (sample.length < sampleLimit) sample.push(...chunk.toString().split('\n').filter(Boolean).slice(0, sampleLimit - sample.length));
    };
    agent.child.stdout?.on('data', count);
    agent.child.stderr?.on('data', count);

    const view = new MqttLink({ url, clientId: `bench-${node}`, reconnect: false });
    await view.start();
    cleanups.push(() => view.stop());
    const phases = new Map<string, string>();
    await view.subscribe(topics.allPodStatuses(node), (topic, payload) => {
      if (payload.length === 0) return void phases.delete(topic);
      const report = decodePayload(podStatusReportSchema, payload);
      phases.set(topic, report.ok ? report.value.status.phase : `undecodable: ${report.reason}`);
    });
    let isOnline = false;
    await view.subscribe(topics.nodeStatus(node), (_topic, payload) => {
      const status = decodePayload(nodeStatusSchema, payload);
      isOnline = status.ok && status.value.state === 'online';
    });
    const hasExited = (): boolean => agent.child.exitCode !== null || agent.child.signalCode !== null;
    await waitFor(`node ${node} online`, () => isOnline || hasExited(), { timeoutMs: 30_000, intervalMs: 100 });
    if (hasExited()) fail(agent);

    const running = (): number => [...phases.values()].filter((p) => p === 'Running').length;
    let generation = 0;
    return {
      pid: agent.pid,
      node,
      logBytes: () => logBytes,
      sampleLog: (lines) => {
        sample = [];
        sampleLimit = lines;
        return sample;
      },
      running,
      hasExited,
      async settle(pods, settleMs) {
        generation++;
        const desired: NodeDesired = { protocol: PROTOCOL_VERSION, node, generation, pods: Array.from({ length: pods }, (_, i) => sleeper(`sleep-${i}`)) };
        await view.publish(topics.nodeDesired(node), JSON.stringify(desired), { retain: true });
        say(`${describeProgram(program)}: ${pods} pods desired on node ${node}`);
        await waitFor(`${pods} pods Running`, () => (phases.size === pods && running() === pods) || hasExited(), { timeoutMs: 120_000, intervalMs: 200 });
        if (hasExited()) fail(agent);
        say(`${describeProgram(program)}: ${pods} pods Running; settling for ${Math.round(settleMs / 1000)} s`);
        await sleep(settleMs);
        if (hasExited()) fail(agent);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function sleeper(name: string): DesiredPod {
  const spec = podSpecSchema.parse({ containers: [{ name: 'main', image: TEST_IMAGE, command: ['sleep', '86400'] }], terminationGracePeriodSeconds: 1 });
  return { name, uid: `uid-${name}-${randomBytes(3).toString('hex')}`, spec };
}

function fail(agent: Running): never {
  throw new Error(`the agent exited:\n${agent.output()}`);
}
