import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_IMAGE } from '../../test/support/docker.js';
import { startMosquitto } from '../../test/support/mosquitto.js';
import { repoRoot, runCli, startProcess } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';
import { ticksPerSecond } from '../proc-cpu.js';
import { UsageSampler, type CoordinatorUsage } from './coordinator-usage.js';
import { startFleet } from './fleet.js';
import { FleetWatch } from './fleet-watch.js';
import { scaleDeployments, singlePod } from './scale-manifests.js';
import { percentile } from './percentile.js';

/**
 * The scale bench: a real mosquitto, the real built coordinator and `nodes` simulated
 * agents (sim-agent.ts: the real Agent over the fake runtime). Once every node is Ready,
 * one `baton apply` creates 10 Deployments totalling nodes × podsPerNode replicas; the
 * clock runs from just before the CLI starts until every pod is in a node's desired
 * state (bound) and until every pod reports Running, as read off the broker. Then single
 * Pods are applied one at a time and each timed to Running, at that scale. The
 * coordinator's peak RSS and CPU are read from /proc over the whole apply-to-Running run,
 * and again at rest afterwards: the fleet up, every pod Running, the nodes heartbeating.
 *
 * Everything runs on this machine, agents included: on few cores the simulated fleet
 * takes CPU from the coordinator, so the figures are an upper bound of the coordinator's.
 */

export interface ScaleOptions {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly say: (line: string) => void;
  /** Single pods timed to Running after the fleet's; 20 by default. */
  readonly singlePods?: number;
  /** Run the coordinator under `node --cpu-prof`, writing its profile here on exit. */
  readonly cpuProfileDir?: string;
  /** Give up waiting for any one stage after this long; 5 minutes by default. */
  readonly stageTimeoutMs?: number;
  /** After the single pods: how long to let the coordinator settle, then how long to watch it at rest (5 s and 10 s by default). */
  readonly restSettleMs?: number;
  readonly restWindowMs?: number;
}

export interface ScaleResult {
  readonly nodes: number;
  readonly pods: number;
  /** Fleet start until every node is Ready. */
  readonly nodesReadyMs: number;
  /** How long `baton apply` took to answer (it answers once the pods are stored and bound). */
  readonly applyReplyMs: number;
  /** Apply until every pod is in its node's desired state on the broker. */
  readonly allBoundMs: number;
  /** Apply until every pod reports Running. */
  readonly allRunningMs: number;
  /** pods / allBoundMs and pods / allRunningMs, per second. */
  readonly boundPerSecond: number;
  readonly runningPerSecond: number;
  /** One Pod applied at that scale, until Running: p50 and p99 over `singlePods`. */
  readonly singlePodP50Ms: number;
  readonly singlePodP99Ms: number;
  readonly singlePodSamples: number;
  readonly coordinator: CoordinatorUsage;
  /** The coordinator afterwards, every pod Running and every node heartbeating: its largest RSS and its CPU over the rest window. */
  readonly coordinatorAtRest: CoordinatorUsage;
}

const DEPLOYMENTS = 10;
const PER_WORKER = 250;

export async function measureScale(options: ScaleOptions): Promise<ScaleResult> {
  const { nodes, podsPerNode, say } = options;
  const timeoutMs = options.stageTimeoutMs ?? 300_000;
  const run = randomBytes(3).toString('hex');
  await checkOpenFiles(nodes);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const broker = await startMosquitto({ extraConfig: 'max_connections -1\nmax_queued_messages 100000\nset_tcp_nodelay true' });
    cleanups.push(() => broker.stop());
    const stateDir = await mkdtemp(join(tmpdir(), 'baton-scale-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
    const coordinator = startProcess(process.execPath, [...profile, `${repoRoot}dist/baton-coordinator.js`, '--broker', broker.url, '--state-dir', stateDir], { BATON_LOG_LEVEL: 'warn' });
    cleanups.push(() => coordinator.stop());
    const watch = new FleetWatch(broker.url, `s${run}-`);
    await watch.start();
    cleanups.push(() => watch.stop());
    const cli = async (args: readonly string[], input?: string): Promise<string> => {
      const result = await runCli([...args, '--broker', broker.url, '--timeout', '60'], input === undefined ? {} : { input });
      if (result.code !== 0) throw new Error(`baton ${args.join(' ')} failed (${result.code}): ${result.stderr}\ncoordinator:\n${coordinator.output().slice(-3000)}`);
      return result.stdout;
    };

    const names = Array.from({ length: nodes }, (_, i) => `sim-${run}-${String(i).padStart(4, '0')}`);
    say(`scale ${nodes} nodes: starting the simulated fleet`);
    const fleetStart = performance.now();
    const fleet = await startFleet({ brokerUrl: broker.url, nodes: names, perWorker: PER_WORKER, image: TEST_IMAGE, timeoutMs });
    cleanups.push(() => fleet.stop());
    await waitFor(`${nodes} nodes Ready`, () => watch.readyCount(names) === nodes, { timeoutMs, intervalMs: 100 });
    const nodesReadyMs = performance.now() - fleetStart;
    say(`scale ${nodes} nodes: all Ready after ${Math.round(nodesReadyMs)} ms; applying ${DEPLOYMENTS} Deployments, ${nodes * podsPerNode} pods`);

    const hz = await ticksPerSecond();
    const sampler = new UsageSampler(coordinator.pid, hz);
    await sampler.start();
    const total = nodes * podsPerNode;
    const replicas = Math.ceil(total / DEPLOYMENTS);
    const pods = replicas * DEPLOYMENTS;
    const began = performance.now();
    await cli(['apply', '-f', '-'], scaleDeployments({ prefix: `s${run}-`, count: DEPLOYMENTS, replicas, image: TEST_IMAGE }));
    const applyReplyMs = performance.now() - began;
    await waitFor(`${pods} pods bound`, () => watch.boundAt.size >= pods, { timeoutMs, intervalMs: 20 });
    const allBoundMs = Math.max(...watch.boundAt.values()) - began;
    say(`scale ${nodes} nodes: ${pods} pods bound after ${Math.round(allBoundMs)} ms`);
    await waitFor(`${pods} pods Running (${watch.runningAt.size} so far)`, () => watch.runningAt.size >= pods, { timeoutMs, intervalMs: 20 });
    const allRunningMs = Math.max(...watch.runningAt.values()) - began;
    say(`scale ${nodes} nodes: ${pods} pods Running after ${Math.round(allRunningMs)} ms`);

    const singles: number[] = [];
    for (let i = 0; i < (options.singlePods ?? 20); i++) {
      const name = `s${run}-single-${i}`;
      const start = performance.now();
      await cli(['apply', '-f', '-'], singlePod({ name, image: TEST_IMAGE }));
      await waitFor(`pod ${name} Running`, () => watch.runningAt.get(name), { timeoutMs: 60_000, intervalMs: 5 });
      singles.push((watch.runningAt.get(name) ?? Number.NaN) - start);
    }
    const usage = await sampler.stop();
    say(`scale ${nodes} nodes: the coordinator at rest`);
    await sleep(options.restSettleMs ?? 5000);
    const rest = new UsageSampler(coordinator.pid, hz, 1000);
    await rest.start();
    await sleep(options.restWindowMs ?? 10_000);
    const coordinatorAtRest = await rest.stop();
    if (watch.undecodableCount > 0) say(`scale ${nodes} nodes: WARNING ${watch.undecodableCount} payloads did not decode`);
    return {
      nodes,
      pods,
      nodesReadyMs,
      applyReplyMs,
      allBoundMs,
      allRunningMs,
      boundPerSecond: pods / (allBoundMs / 1000),
      runningPerSecond: pods / (allRunningMs / 1000),
      singlePodP50Ms: percentile(singles, 50),
      singlePodP99Ms: percentile(singles, 99),
      singlePodSamples: singles.length,
      coordinator: usage,
      coordinatorAtRest,
    };
  } finally {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  }
}

/**
 * mosquitto holds one socket per node and inherits this process's open-files limit; past
 * it, nodes are refused and the bench would wait for them in vain. Say so up front.
 */
async function checkOpenFiles(nodes: number): Promise<void> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  const needed = nodes + 256;
  if (soft !== undefined && Number(soft) < needed) throw new Error(`${nodes} simulated nodes need about ${needed} open files in mosquitto, but the limit is ${soft}: raise it (ulimit -n ${needed}) and run again`);
}
