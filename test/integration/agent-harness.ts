import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { podSpecSchema } from '../../protocol/manifest.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import type { DesiredPod, NodeDesired, NodeEvent, NodeStatus, PodStatusReport } from '../../protocol/messages.js';
import { Topics } from '../../protocol/topics.js';
import { docker, TEST_IMAGE } from '../support/docker.js';
import { repoRoot, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

/** Shared by the agent's integration tests: a broker view, desired states, the built agent. */

export const topics = new Topics();

/** A node name no other test uses. */
export function uniqueNode(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Fails early, with what to do, if dist/baton-agent.js is missing or older than a source bundled into it. */
export function requireBuiltAgent(): void {
  const bundle = join(repoRoot, 'dist', 'baton-agent.js');
  if (!existsSync(bundle)) throw new Error('dist/baton-agent.js is missing: run `npm run build` first');
  const built = statSync(bundle).mtimeMs;
  // The source map lists exactly the files the bundle was built from.
  const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
  const sources = map.sources.map((s) => join(repoRoot, 'dist', s)).filter((f) => !f.includes('node_modules') && existsSync(f));
  const stale = sources.find((f) => statSync(f).mtimeMs > built);
  if (stale) throw new Error(`dist/baton-agent.js is older than ${stale}: run \`npm run build\` first`);
}

/** A client that sees the broker as a maker would: every message under the prefix, the last one per topic. */
export class BrokerView {
  private readonly latest = new Map<string, Buffer>();
  readonly link: MqttLink;

  private constructor(url: string) {
    this.link = new MqttLink({ url, clientId: `test-view-${randomBytes(4).toString('hex')}`, reconnect: false });
  }

  static async connect(url: string): Promise<BrokerView> {
    const view = new BrokerView(url);
    await view.link.start();
    await view.link.subscribe(`${topics.root}/#`, (topic, payload) => view.latest.set(topic, payload));
    return view;
  }

  /** The last payload on `topic` as text ('' once cleared), or undefined if none seen. */
  text(topic: string): string | undefined {
    return this.latest.get(topic)?.toString();
  }

  json<T>(topic: string): T | undefined {
    const text = this.text(topic);
    return text ? (JSON.parse(text) as T) : undefined;
  }

  nodeStatus(node: string): NodeStatus | undefined {
    return this.json<NodeStatus>(topics.nodeStatus(node));
  }

  podStatus(node: string, pod: string): PodStatusReport | undefined {
    return this.json<PodStatusReport>(topics.podStatus(node, pod));
  }

  async publishDesired(desired: NodeDesired): Promise<void> {
    await this.link.publish(topics.nodeDesired(desired.node), JSON.stringify(desired), { retain: true });
  }

  async publishRaw(topic: string, payload: string): Promise<void> {
    await this.link.publish(topic, payload, { retain: true });
  }

  async close(): Promise<void> {
    await this.link.stop();
  }
}

export interface PodOptions {
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  env?: { name: string; value: string }[];
  ports?: { containerPort: number; hostPort?: number; hostIP?: string; protocol: 'TCP' | 'UDP' }[];
  uid?: string;
}

/** A desired pod with one container `main`, running the test image unless told otherwise. */
export function testPod(name: string, options: PodOptions = {}): NodeDesired['pods'][number] {
  return {
    name,
    uid: options.uid ?? `uid-${name}-${randomBytes(3).toString('hex')}`,
    spec: {
      containers: [
        {
          name: 'main',
          image: options.image ?? TEST_IMAGE,
          imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
          command: options.command ?? ['sleep', '3600'],
          ...(options.env ? { env: options.env } : {}),
          ...(options.ports ? { ports: options.ports } : {}),
        },
      ],
      restartPolicy: options.restartPolicy ?? 'Always',
      // busybox `sleep` as PID 1 ignores SIGTERM, so any grace would be sat out in full:
      // none (SIGKILL at once) keeps removals quick. Tests about the grace period set their own.
      terminationGracePeriodSeconds: 0,
    },
  };
}

/** A pod spec as written in a manifest: Kubernetes' defaults may be left out. */
export type PodSpecInput = z.input<typeof podSpecSchema>;

/** A desired pod from a manifest-style spec, its defaults filled in by the manifest schema as the coordinator does. */
export function specPod(name: string, spec: PodSpecInput): DesiredPod {
  return { name, uid: `uid-${name}-${randomBytes(3).toString('hex')}`, spec: podSpecSchema.parse(spec) };
}

export function desiredState(node: string, generation: number, pods: NodeDesired['pods']): NodeDesired {
  return { protocol: 'v1', node, generation, pods };
}

/**
 * Extra flags for an agent whose test waits for it to have run a few passes with nothing
 * to change: a resync and a heartbeat every QUICK_PASS_MS (startAgent's are every
 * second), so that a few of them take a second or so.
 */
export const QUICK_PASS_MS = 500;
export const QUICK_PASSES = ['--resync', `${QUICK_PASS_MS}ms`, '--status-interval', `${QUICK_PASS_MS}ms`];

export interface StartedAgent {
  readonly process: Running;
  readonly stateDir: string;
}

/** Starts the built agent for `node` (fast resync and heartbeat, so tests are quick). */
export async function startAgent(brokerUrl: string, node: string, options: { stateDir?: string; args?: string[] } = {}): Promise<StartedAgent> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), `baton-agent-${node}-`)));
  const process = startProgram('baton-agent', [
    '--broker', brokerUrl,
    '--node', node,
    '--state-dir', stateDir,
    '--resync', '1',
    '--status-interval', '1',
    '--log-level', 'debug',
    ...(options.args ?? []),
  ]);
  return { process, stateDir };
}

export interface Inspected {
  Id: string;
  Name: string;
  State: { Status: string; StartedAt: string; Running: boolean; ExitCode: number };
  Config: { Labels: Record<string, string> };
}

export async function inspect(id: string): Promise<Inspected> {
  const [info] = JSON.parse(await docker('inspect', id)) as Inspected[];
  if (!info) throw new Error(`no container ${id}`);
  return info;
}

/** The IDs of a pod's containers on the engine (this node's labels). */
export async function podContainers(node: string, pod: string): Promise<string[]> {
  const out = await docker('ps', '-aq', '--no-trunc', '--filter', `label=io.baton.node=${node}`, '--filter', `label=io.baton.pod=${pod}`);
  return out === '' ? [] : out.split('\n');
}

/** Waits for exactly one running container of the pod and returns its inspect. */
export async function waitForRunning(node: string, pod: string, timeoutMs = 20_000): Promise<Inspected> {
  return waitFor(`pod ${pod} of ${node} to have one running container`, async () => {
    const ids = await podContainers(node, pod);
    if (ids.length !== 1 || ids[0] === undefined) return undefined;
    const info = await inspect(ids[0]);
    return info.State.Running ? info : undefined;
  }, { timeoutMs });
}

/** Collects the node's lifecycle events from the broker until `stop()`. */
export async function recordEvents(brokerUrl: string, node: string): Promise<{ events: NodeEvent[]; stop: () => Promise<void> }> {
  const events: NodeEvent[] = [];
  const link = new MqttLink({ url: brokerUrl, clientId: `test-events-${node}`, reconnect: false });
  await link.start();
  await link.subscribe(topics.nodeEvents(node), (_t, payload) => events.push(JSON.parse(payload.toString()) as NodeEvent));
  return { events, stop: () => link.stop() };
}

/** Collects every status report published for the node's pods (clears skipped), in order, until `stop()`. */
export async function recordPodStatuses(brokerUrl: string, node: string): Promise<{ of: (pod: string) => PodStatusReport[]; stop: () => Promise<void> }> {
  const reports: { topic: string; report: PodStatusReport }[] = [];
  const link = new MqttLink({ url: brokerUrl, clientId: `test-pods-${node}`, reconnect: false });
  await link.start();
  await link.subscribe(topics.allPodStatuses(node), (topic, payload) => {
    if (payload.length > 0) reports.push({ topic, report: JSON.parse(payload.toString()) as PodStatusReport });
  });
  return {
    of: (pod) => reports.filter((r) => r.topic === topics.podStatus(node, pod)).map((r) => r.report),
    stop: () => link.stop(),
  };
}
