import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { requireBuiltAgent, startAgent, uniqueNode, type StartedAgent } from '../integration/agent-harness.js';
import { requireBuiltCli } from '../integration/cli-fixtures.js';
import { BrokerFixture, requireBuiltCoordinator, startCoordinator, TestClient } from '../integration/coordinator-harness.js';
import { removeNodeContainers } from './docker.js';
import { nodeContainers } from './node-containers.js';
import { runCli, type Running } from './processes.js';
import { recordTopics, type TopicLog } from './topic-log.js';
import { waitFor } from './wait.js';

/**
 * A whole fleet as separate processes for the end-to-end tests: a mosquitto, a
 * coordinator and real agents on the one Docker engine, each node with a name no other
 * test uses. Driven through the built `baton` CLI; `client` reads the broker as a maker
 * would. Agents and the coordinator can be killed and started again on the same state.
 */

export interface PodItem {
  metadata: { name: string; uid: string; creationTimestamp: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** A Deployment as `baton get deployment NAME -o json` shows it (the fields the tests read). */
export interface DeploymentItem {
  metadata: { name: string; generation?: number; annotations?: Record<string, string> };
  status?: {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

/** A container of the fleet as `docker inspect` shows it. */
export interface FleetContainer {
  id: string;
  node: string;
  pod: string;
  container: string;
  running: boolean;
  startedAt: string;
  /** Docker's own RestartCount and Baton's restart-count label. */
  restartCount: number;
  batonRestartCount: string | undefined;
  env: string[];
}

export function isReady(pod: PodItem): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pods a workload of this kind and name owns. */
export function ownedBy(pods: readonly PodItem[], kind: 'Deployment' | 'DaemonSet', name: string): PodItem[] {
  return pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.kind === kind && o.name === name));
}

export interface FleetOptions {
  /** Agents started with the fleet, named `<fleet>-a`, `-b`, ... */
  nodes: number;
  coordinatorArgs?: string[];
}

export class Fleet {
  readonly nodes: string[] = [];
  readonly id = uniqueNode('cp');
  private readonly agents = new Map<string, StartedAgent>();
  private readonly stateDirs = new Map<string, string>();
  private coordinatorProcess: Running | undefined;
  private readonly logs: TopicLog[] = [];

  private constructor(
    readonly broker: BrokerFixture,
    readonly client: TestClient,
    readonly dir: string,
    private readonly coordinatorArgs: string[],
  ) {}

  static async start(options: FleetOptions): Promise<Fleet> {
    requireBuiltAgent();
    requireBuiltCoordinator();
    await requireBuiltCli();
    const broker = new BrokerFixture('mosquitto');
    await broker.start();
    const dir = await mkdtemp(join(tmpdir(), 'baton-e2e-cp-'));
    const client = new TestClient(broker.url);
    await client.start();
    const fleet = new Fleet(broker, client, dir, options.coordinatorArgs ?? []);
    try {
      // The agents boot while the coordinator does: they reach the broker on their own,
      // and the coordinator reads their retained statuses once it subscribes.
      const coordinatorUp = fleet.startCoordinator();
      const names = Array.from({ length: options.nodes }, (_, i) => fleet.nodeName(i));
      for (const name of names) await fleet.startAgent(name);
      await coordinatorUp;
      await fleet.waitForNodes(names, 'Ready');
      return fleet;
    } catch (error) {
      await fleet.stop(true);
      throw error;
    }
  }

  get url(): string {
    return this.broker.url;
  }

  get coordinator(): Running {
    if (!this.coordinatorProcess) throw new Error('no coordinator started');
    return this.coordinatorProcess;
  }

  /** The name of the fleet's i-th node (0 -> `<fleet>-a`). */
  nodeName(index: number): string {
    return `${this.id}-${String.fromCharCode(97 + index)}`;
  }

  async startCoordinator(): Promise<void> {
    this.coordinatorProcess = startCoordinator(this.broker, join(this.dir, 'coordinator'), this.coordinatorArgs);
    await this.client.waitForCoordinator();
  }

  /** Kills the coordinator (SIGKILL: no farewell, its last will says offline) and waits until the broker says so. */
  async killCoordinator(): Promise<void> {
    await this.coordinator.stop('SIGKILL');
    await waitFor('the coordinator offline on the broker', () => this.client.message(this.client.topics.coordinatorStatus())?.includes('"offline"'));
  }

  /** Starts the node's agent, on the state directory it had before if it ran already. */
  async startAgent(node: string, args: string[] = []): Promise<void> {
    if (this.agents.has(node)) throw new Error(`the agent of ${node} is running`);
    if (!this.nodes.includes(node)) this.nodes.push(node);
    const stateDir = this.stateDirs.get(node) ?? join(this.dir, node);
    this.stateDirs.set(node, stateDir);
    this.agents.set(node, await startAgent(this.url, node, { stateDir, args }));
  }

  async stopAgent(node: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.agents.get(node)?.process.stop(signal);
    this.agents.delete(node);
  }

  /** The `baton` CLI against this fleet's broker. */
  baton(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli(args, { env: { BATON_BROKER: this.url, BATON_TIMEOUT: '10' } });
  }

  /** `baton apply -f` of a manifest text; fails the test on an error. */
  async apply(manifest: string): Promise<string> {
    const file = join(this.dir, `apply-${Date.now()}-${Math.random().toString(16).slice(2)}.yaml`);
    await writeFile(file, manifest);
    const result = await this.baton('apply', '-f', file);
    if (result.code !== 0) throw new Error(`baton apply failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  /** `baton get pods -o json`. */
  async pods(): Promise<PodItem[]> {
    const result = await this.baton('get', 'pods', '-o', 'json');
    if (result.code !== 0) throw new Error(`baton get pods failed: ${result.stderr}`);
    return (JSON.parse(result.stdout) as { items: PodItem[] }).items;
  }

  /** `baton get deployment NAME -o json`. */
  async deployment(name: string): Promise<DeploymentItem> {
    const result = await this.baton('get', 'deployment', name, '-o', 'json');
    if (result.code !== 0) throw new Error(`baton get deployment ${name} failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as DeploymentItem;
  }

  /** Waits until `baton get nodes` shows each node with exactly this STATUS. */
  async waitForNodes(nodes: readonly string[], status: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`${nodes.join(', ')} ${status} in \`baton get nodes\``, async () => {
      const table = (await this.baton('get', 'nodes')).stdout;
      return nodes.every((n) => new RegExp(`^${n}\\s+${status}\\s`, 'm').test(table));
    }, { timeoutMs });
  }

  /** Every container of the fleet's nodes (running or not), optionally only those of pods whose name starts with `podPrefix`. */
  async containers(podPrefix = ''): Promise<FleetContainer[]> {
    return (await nodeContainers(this.nodes))
      .filter((c) => c.pod.startsWith(podPrefix) && !c.isSandbox)
      .map(({ id, node, pod, container, running, startedAt, restartCount, batonRestartCount, env }) => ({ id, node, pod, container, running, startedAt, restartCount, batonRestartCount, env }));
  }

  /** Records every message under `filter` (see recordTopics) until the fleet stops. */
  async record(filter: string): Promise<TopicLog> {
    const log = await recordTopics(this.url, filter);
    this.logs.push(log);
    return log;
  }

  /** Kills every process, removes the fleet's containers and state. `failed`: print the daemons' output first. */
  async stop(failed: boolean): Promise<void> {
    if (failed) {
      console.log(`coordinator output (tail):\n${this.coordinatorProcess?.output().slice(-20_000) ?? ''}`);
      for (const [node, agent] of this.agents) console.log(`agent ${node} output (tail):\n${agent.process.output().slice(-8_000)}`);
    }
    await this.client.stop().catch(() => undefined);
    await Promise.all(this.logs.splice(0).map((log) => log.stop().catch(() => undefined)));
    await Promise.all([...this.agents.values()].map((a) => a.process.stop('SIGKILL')));
    this.agents.clear();
    await this.coordinatorProcess?.stop('SIGKILL');
    await this.broker.stop();
    for (const node of this.nodes) await removeNodeContainers(node);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Registers hooks that start a fresh fleet before each test and tear it down after it,
 * failed or not. Returns the running fleet.
 */
export function useFleet(options: FleetOptions): () => Fleet {
  let fleet: Fleet | undefined;
  beforeEach(async () => {
    fleet = await Fleet.start(options);
  });
  afterEach(async (context) => {
    await fleet?.stop(context.task.result?.state === 'fail');
    fleet = undefined;
  });
  return () => {
    if (!fleet) throw new Error('the fleet is used before its beforeEach hook ran');
    return fleet;
  };
}
