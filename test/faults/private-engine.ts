import { rm } from 'node:fs/promises';
import { afterEach, expect } from 'vitest';
import type { DesiredPod, PodStatusReport } from '../../protocol/messages.js';
import { TEST_IMAGE } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import { inspectBatonContainers, type NodeContainer } from '../support/node-containers.js';
import { startOwnDockerd, type OwnDockerd } from '../support/own-dockerd.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, requireBuiltAgent, specPod, startAgent, uniqueNode, type StartedAgent } from '../integration/agent-harness.js';

/**
 * The set-up of the engine fault tests: the built agent on a private Docker engine
 * (test/support/own-dockerd.ts) that a test may kill, restart or freeze, with its own
 * mosquitto; the pods' containers as that engine's `docker inspect` shows them.
 */

const cleanups: (() => Promise<void>)[] = [];

/** Registers the hook that removes, after each test, what setUp made (agent, broker, engine). */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error(error));
  });
}

/** Ends on SIGTERM at once (exit 143), as a well-behaved service does; a bare `sleep` as PID 1 would hold the engine's stop for 10 s. */
const SERVE = ['sh', '-c', 'trap "exit 143" TERM; sleep 3600 & wait $!'];

export function servicePod(name: string, containers: readonly string[], restartPolicy: 'Always' | 'OnFailure'): DesiredPod {
  return specPod(name, {
    containers: containers.map((c) => ({ name: c, image: TEST_IMAGE, imagePullPolicy: 'Never', command: SERVE })),
    restartPolicy,
    terminationGracePeriodSeconds: 1,
  });
}

export interface Setup {
  readonly engine: OwnDockerd;
  readonly view: BrokerView;
  readonly agent: StartedAgent;
  readonly node: string;
}

/**
 * A private engine (with or without live-restore), a mosquitto and the built agent on
 * them, running `pods` (desired generation 1) until each is Running and Ready on the
 * broker. The agent's resync is a minute unless told otherwise, so what happens must come
 * from its watch on the engine; its first back-off is 1 s unless told otherwise.
 */
export async function setUp(liveRestore: boolean, pods: readonly DesiredPod[], timing: { resync?: string; backoff?: string } = {}): Promise<Setup> {
  requireBuiltAgent();
  const node = uniqueNode('fdr');
  const engine = await startOwnDockerd({ liveRestore });
  cleanups.push(() => engine.remove());
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const view = await BrokerView.connect(broker.url);
  cleanups.push(() => view.close());
  const agent = await startAgent(broker.url, node, {
    args: ['--docker-host', engine.host, '--resync', timing.resync ?? '60', '--backoff', timing.backoff ?? '1s', '--backoff-max', '20s'],
  });
  cleanups.push(async () => {
    await agent.process.stop('SIGKILL');
    await rm(agent.stateDir, { recursive: true, force: true });
  });
  await view.publishDesired(desiredState(node, 1, [...pods]));
  await waitFor('the node Ready and every pod Running and Ready, on the broker', () =>
    isNodeReady(view, node) && pods.every((p) => isPodUp(view.podStatus(node, p.name))), { timeoutMs: 20_000 });
  return { engine, view, agent, node };
}

export function isNodeReady(view: BrokerView, node: string): boolean {
  return view.nodeStatus(node)?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export function isPodUp(report: PodStatusReport | undefined): boolean {
  return report?.status.phase === 'Running' && report.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits for the node's Ready condition to turn False on the broker, and returns its message. */
export async function waitForNotReady(view: BrokerView, node: string, timeoutMs = 10_000): Promise<string> {
  return waitFor('the node not Ready on the broker', () => {
    const ready = view.nodeStatus(node)?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'False' ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : undefined;
  }, { timeoutMs, intervalMs: 50 });
}

/** A container on the private engine; the same record as on the system engine. */
export type EngineContainer = NodeContainer;

/** Every container of the node on the private engine, as `docker inspect` shows it. */
export function engineContainers(engine: OwnDockerd, node: string): Promise<EngineContainer[]> {
  return inspectBatonContainers((...args) => engine.docker(...args), `label=io.baton.node=${node}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}
