import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { podSpecSchema } from '../protocol/manifest.js';
import type { DesiredPod, NodeDesired } from '../protocol/messages.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { Topics } from '../protocol/topics.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { docker, removeNodeContainers, TEST_IMAGE } from '../test/support/docker.js';
import { freePort } from '../test/support/ports.js';
import { startProcess, startProgram, type Running } from '../test/support/processes.js';
import { waitFor } from '../test/support/wait.js';
import { readTreeIo, treeDelta, type IoCounters } from './proc-io.js';

/**
 * The bytes the agent writes to disk per hour at steady state (target: none; SD cards
 * wear out). Real parts: mosquitto, the built agent with its default timings, the
 * Docker engine, 10 pods of busybox `sleep`. Once every pod is Running, the agent's
 * /proc/<pid>/io (and its children's) is read at the start and end of a window; the
 * difference is extrapolated to an hour. So is what it logs, which journald would
 * store on the same card.
 *
 * The bench itself writes nothing to disk: mosquitto runs without a config file or
 * persistence, the desired state goes over MQTT. The agent's state directory is a
 * fresh one under the temporary directory (a real disk here; a tmpfs would hide the
 * agent's writes from the counters), removed afterwards with the containers.
 */

export interface DiskWritesResult {
  readonly windowMs: number;
  readonly pods: number;
  /** What the agent and its children wrote in the window. */
  readonly io: IoCounters;
  /** Bytes the agent printed to stdout and stderr (its log) in the window, and the first lines. */
  readonly logBytes: number;
  readonly logSample: readonly string[];
  /** Pods still Running at the end of the window (all of them, or the state was not steady). */
  readonly runningAtEnd: number;
}

const PODS = 10;
const topics = new Topics();

export async function measureDiskWrites(windowMs: number, say: (line: string) => void): Promise<DiskWritesResult> {
  if ((await docker('images', '-q', TEST_IMAGE)) === '') throw new Error(`the image ${TEST_IMAGE} is missing: run scripts/setup.sh (or scripts/build-test-image.sh) first`);
  const node = `bench-${randomBytes(4).toString('hex')}`;
  const cleanups: (() => Promise<unknown>)[] = [];
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
    const agent = startProgram('baton-agent', ['--node', node, '--broker', url, '--state-dir', stateDir], { BATON_LOG_LEVEL: 'info' });
    cleanups.push(() => agent.stop());
    let logBytes = 0;
    let isMeasuring = false;
    const logSample: string[] = [];
    const count = (chunk: Buffer): void => {
      logBytes += chunk.length;
      if (isMeasuring && logSample.length < 5) logSample.push(...chunk.toString().split('\n').filter(Boolean).slice(0, 5 - logSample.length));
    };
    agent.child.stdout?.on('data', count);
    agent.child.stderr?.on('data', count);

    const view = new MqttLink({ url, clientId: `bench-${node}`, reconnect: false });
    await view.start();
    cleanups.push(() => view.stop());
    const phases = new Map<string, string>();
    await view.subscribe(topics.allPodStatuses(node), (topic, payload) => {
      const phase = payload.length === 0 ? '' : ((JSON.parse(payload.toString()) as { status?: { phase?: string } }).status?.phase ?? '');
      phases.set(topic, phase);
    });
    const desired: NodeDesired = { protocol: PROTOCOL_VERSION, node, generation: 1, pods: Array.from({ length: PODS }, (_, i) => sleeper(`sleep-${i}`)) };
    await view.publish(topics.nodeDesired(node), JSON.stringify(desired), { retain: true });
    const running = (): number => [...phases.values()].filter((p) => p === 'Running').length;
    say(`node ${node}: starting ${PODS} pods`);
    await waitFor(`${PODS} pods Running`, () => running() === PODS || agent.child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 200 });
    if (agent.child.exitCode !== null) fail(agent);

    say(`all Running; measuring for ${Math.round(windowMs / 1000)} s`);
    const before = await readTreeIo(agent.pid);
    const logBefore = logBytes;
    isMeasuring = true;
    const startedAt = performance.now();
    await sleep(windowMs);
    const after = await readTreeIo(agent.pid);
    isMeasuring = false;
    const measuredMs = performance.now() - startedAt;
    if (!after.has(agent.pid)) fail(agent);
    return { windowMs: measuredMs, pods: PODS, io: treeDelta(before, after), logBytes: logBytes - logBefore, logSample, runningAtEnd: running() };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  }
}

function sleeper(name: string): DesiredPod {
  const spec = podSpecSchema.parse({ containers: [{ name: 'main', image: TEST_IMAGE, command: ['sleep', '86400'] }], terminationGracePeriodSeconds: 1 });
  return { name, uid: `uid-${name}-${randomBytes(3).toString('hex')}`, spec };
}

function fail(agent: Running): never {
  throw new Error(`the agent exited:\n${agent.output()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
