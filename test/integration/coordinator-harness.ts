import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthStore } from '../../coordinator/auth/auth-store.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import { decodePayload, encodePayload } from '../../protocol/codec.js';
import { nodeDesiredSchema, type NodeDesired, type NodeStatus } from '../../protocol/messages.js';
import { replySchema, type Reply, type Request } from '../../protocol/requests.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { repoRoot, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

/**
 * Drives the built `baton-coordinator` as a separate process over a real broker: the
 * embedded aedes (coordinator with --listen) or a real mosquitto (coordinator with
 * --broker). The test talks to it only over MQTT, as the CLI and agents do.
 */

export type BrokerKind = 'embedded' | 'mosquitto';

export function requireBuiltCoordinator(): void {
  if (!existsSync(join(repoRoot, 'dist', 'baton-coordinator.js'))) {
    throw new Error('dist/baton-coordinator.js is missing: run `npm run build` first');
  }
}

export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'baton-coordinator-it-'));
}

/** A broker for one test and the way to point a coordinator at it. */
export class BrokerFixture {
  private mosquitto: Mosquitto | undefined;
  private embeddedPort: number | undefined;
  /** The embedded broker authenticates: a store made beforehand, copied into each coordinator's state dir. */
  private seed: { authFile: string; password: string } | undefined;

  constructor(readonly kind: BrokerKind) {}

  async start(): Promise<void> {
    if (this.kind === 'mosquitto') {
      this.mosquitto = await startMosquitto();
      return;
    }
    this.embeddedPort = await freePort();
    const dir = await tempStateDir();
    const store = await AuthStore.load({ stateDir: dir });
    await store.ensureBootstrap({ broker: `mqtt://127.0.0.1:${this.embeddedPort}` });
    this.seed = { authFile: store.path, password: store.coordinatorPassword() };
  }

  /**
   * Where test clients connect. The embedded broker lets no one in without a credential,
   * so its URL carries the coordinator's own (a user allowed everything under any client
   * id): fake nodes, the CLI and agents in these tests connect with it.
   */
  get url(): string {
    if (this.mosquitto) return this.mosquitto.url;
    return `mqtt://coordinator:${encodeURIComponent(this.seed?.password ?? '')}@127.0.0.1:${this.embeddedPort}`;
  }

  /** Gives a coordinator's state dir the credentials this fixture's URL carries (kept if it has its own already). */
  prepareStateDir(stateDir: string): void {
    if (this.seed === undefined) return;
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    if (!existsSync(join(stateDir, 'auth.json'))) copyFileSync(this.seed.authFile, join(stateDir, 'auth.json'));
  }

  /** The flags that make a coordinator use this broker. */
  coordinatorArgs(): string[] {
    return this.kind === 'mosquitto' ? ['--broker', this.url] : ['--listen', `127.0.0.1:${this.embeddedPort}`];
  }

  async stop(): Promise<void> {
    await this.mosquitto?.stop();
  }
}

export function startCoordinator(broker: BrokerFixture, stateDir: string, extraArgs: string[] = []): Running {
  broker.prepareStateDir(stateDir);
  return startProgram('baton-coordinator', [...broker.coordinatorArgs(), '--state-dir', stateDir, '--log-level', 'debug', ...extraArgs]);
}

/** Waits for a process to exit on its own; returns its exit code. */
export async function exitCode(running: Running, timeoutMs = 10_000): Promise<number | null> {
  await waitFor(`process ${running.pid} to exit\n${running.output()}`, () => running.child.exitCode !== null || running.child.signalCode !== null, { timeoutMs });
  return running.child.exitCode;
}

export interface FakeNodeOptions {
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
}

export function fakeNodeStatus(node: string, options: FakeNodeOptions = {}): NodeStatus {
  return {
    protocol: 'v1',
    node,
    state: 'online',
    time: new Date().toISOString(),
    labels: options.labels ?? {},
    capacity: { cpu: options.cpu ?? '4', memory: options.memory ?? '4Gi', pods: options.pods ?? '110' },
    allocatable: { cpu: options.cpu ?? '4', memory: options.memory ?? '4Gi', pods: options.pods ?? '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  };
}

const TEST_CLIENT_RECONNECT = { initialMs: 50, maxMs: 100, stableMs: 10_000 };

/**
 * A test client over the real broker: it plays fake nodes (retained statuses,
 * republished on every reconnect like an agent does), sends requests and records the
 * latest message on every Baton topic.
 */
export class TestClient {
  readonly topics: Topics;
  private readonly clientId = `baton-it-${randomUUID().slice(0, 8)}`;
  private readonly link: MqttLink;
  private readonly latest = new Map<string, string>();
  private readonly nodes = new Map<string, NodeStatus>();
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  private counter = 0;

  constructor(url: string, prefix = 'baton') {
    this.topics = new Topics(prefix);
    // The test's own client retries within tens of milliseconds (a daemon waits 1 s and
    // more): it connects as soon as an embedded broker starting with its coordinator
    // listens, and is back at once after a restart, so no test waits on its back-off.
    this.link = new MqttLink({ url, clientId: this.clientId, reconnect: true, connectTimeoutMs: 2000, reconnectPolicy: TEST_CLIENT_RECONNECT });
    this.link.onConnect(() => {
      for (const status of this.nodes.values()) void this.publishNode(status);
    });
  }

  async start(): Promise<void> {
    await this.link.start();
    await this.link.subscribe(`${this.topics.root}/#`, (topic, payload) => {
      if (payload.length === 0) this.latest.delete(topic);
      else this.latest.set(topic, payload.toString());
    });
    await this.link.subscribe(this.topics.clientReplies(this.clientId), (_topic, payload) => {
      const decoded = decodePayload(replySchema, payload);
      if (!decoded.ok) return;
      this.waiting.get(decoded.value.id)?.(decoded.value);
    });
    await waitFor('the test client to connect', () => this.link.isConnected);
  }

  async stop(): Promise<void> {
    await this.link.stop();
  }

  /** Publishes a node's retained status, and again after every reconnect. */
  async setNode(status: NodeStatus): Promise<void> {
    this.nodes.set(status.node, status);
    await this.publishNode(status);
  }

  /** Clears a node's retained status, as when a node is removed from the fleet. */
  async removeNode(node: string): Promise<void> {
    this.nodes.delete(node);
    await this.link.publish(this.topics.nodeStatus(node), '', { retain: true });
  }

  private async publishNode(status: NodeStatus): Promise<void> {
    await this.link.publish(this.topics.nodeStatus(status.node), encodePayload(status), { retain: true });
  }

  /** Publishes anything, as an agent or a maker's script would. */
  async publishRaw(topic: string, payload: string, retain: boolean): Promise<void> {
    await this.link.publish(topic, payload, { retain });
  }

  /** Waits until the coordinator says it is online (its retained status). */
  async waitForCoordinator(timeoutMs = 15_000): Promise<void> {
    await waitFor('the coordinator to be online', () => this.message(this.topics.coordinatorStatus())?.includes('"online"'), { timeoutMs });
  }

  message(topic: string): string | undefined {
    return this.latest.get(topic);
  }

  desired(node: string): NodeDesired | undefined {
    const text = this.message(this.topics.nodeDesired(node));
    if (text === undefined) return undefined;
    const decoded = decodePayload(nodeDesiredSchema, text);
    if (!decoded.ok) throw new Error(`bad desired state for ${node}: ${decoded.reason}`);
    return decoded.value;
  }

  /** Forgets what was seen on a node's desired topic, to see the next one arrive. */
  forgetDesired(node: string): void {
    this.latest.delete(this.topics.nodeDesired(node));
  }

  async request(body: DistributiveRequestBody, timeoutMs = 5000): Promise<Reply> {
    const id = `req-${++this.counter}`;
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no reply to ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r);
      });
    });
    const request = { protocol: 'v1', id, replyTo: this.topics.clientReplies(this.clientId), ...body } as Request;
    await this.link.publish(this.topics.coordinatorRequests(), encodePayload(request), { retain: false });
    return reply;
  }

  /** `list` and return the items, failing on an error reply. */
  async list(kind: 'pods' | 'deployments' | 'daemonsets' | 'nodes'): Promise<ListedItem[]> {
    const reply = await this.request({ op: 'list', kind });
    if (!reply.ok) throw new Error(`list ${kind} failed: ${JSON.stringify(reply.error)}`);
    return (reply.result as { items: ListedItem[] }).items;
  }

  async cleanup(): Promise<void> {
    await this.stop();
  }
}

export interface StartedCoordinator {
  readonly broker: BrokerFixture;
  readonly stateDir: string;
  readonly coordinator: Running;
  /** Connected, and has seen the coordinator online. */
  readonly client: TestClient;
}

/**
 * A broker of the given kind, a coordinator on a fresh state directory, and a test client
 * that has seen it online. With the embedded broker the client connects only once the
 * coordinator (which holds the broker) is started.
 */
export async function startCoordinatorOn(kind: BrokerKind): Promise<StartedCoordinator> {
  const broker = new BrokerFixture(kind);
  await broker.start();
  const stateDir = await tempStateDir();
  const client = new TestClient(broker.url);
  if (kind === 'mosquitto') await client.start();
  const coordinator = startCoordinator(broker, stateDir);
  if (kind === 'embedded') await client.start();
  await client.waitForCoordinator();
  return { broker, stateDir, coordinator, client };
}

export type DistributiveRequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'protocol' | 'id' | 'replyTo'> : never) : never;

export interface ListedItem {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; namespace: string; creationTimestamp: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[]; generation?: number };
  spec: Record<string, unknown> & { nodeName?: string };
  status?: Record<string, unknown>;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function deploymentManifest(name: string, replicas: number, options: { memory?: string; image?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: options.image ?? 'baton-test/busybox:1',
              command: ['sleep', '3600'],
              ...(options.memory ? { resources: { requests: { memory: options.memory } } } : {}),
            },
          ],
        },
      },
    },
  };
}
