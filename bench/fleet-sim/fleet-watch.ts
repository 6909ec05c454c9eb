import { decodePayload } from '../../protocol/codec.js';
import { nodeDesiredSchema, nodeStatusSchema, podStatusReportSchema } from '../../protocol/messages.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';

/**
 * What the broker says of the fleet, as any MQTT client sees it: which pods each node's
 * retained desired state holds (bound) and which pods report phase Running, each with
 * the moment (performance.now) this watcher first saw it so. Only pods whose names
 * start with `podPrefix` count, so the fleet's other pods do not muddle the figures.
 */
export class FleetWatch {
  /** Pod name -> when it was first seen in a node's desired state. */
  readonly boundAt = new Map<string, number>();
  /** Pod name -> when it was first seen Running. */
  readonly runningAt = new Map<string, number>();
  /** Nodes whose last status is online with condition Ready True (the coordinator's rule, node-view.ts). */
  private readonly ready = new Set<string>();
  /** Node -> the pods its newest desired state holds. */
  private readonly desiredPods = new Map<string, string[]>();
  private readonly topics = new Topics();
  private readonly link: MqttLink;
  private undecodable = 0;

  constructor(brokerUrl: string, private readonly podPrefix: string) {
    this.link = new MqttLink({ url: brokerUrl, clientId: `baton-bench-watch-${process.pid}`, reconnect: false });
  }

  async start(): Promise<void> {
    await this.link.start();
    await this.link.subscribe(this.topics.allPodStatuses(), (_topic, payload) => this.onPod(payload));
    await this.link.subscribe(this.topics.nodeStatus('+'), (topic, payload) => this.onNodeStatus(topic, payload));
    await this.link.subscribe(this.topics.nodeDesired('+'), (topic, payload) => this.onDesired(topic, payload));
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  /** Payloads that did not decode: a bench that saw any is suspect. */
  get undecodableCount(): number {
    return this.undecodable;
  }

  /** How many pods with `prefix` (default: the watcher's) are currently in some node's desired state. */
  boundNow(prefix = this.podPrefix): number {
    let count = 0;
    for (const pods of this.desiredPods.values()) count += pods.filter((p) => p.startsWith(prefix)).length;
    return count;
  }

  /** How many of `nodes` are Ready now. */
  readyCount(nodes: readonly string[]): number {
    return nodes.filter((n) => this.ready.has(n)).length;
  }

  private onNodeStatus(topic: string, payload: Buffer): void {
    const node = this.topics.parseNodeTopic(topic)?.node;
    if (node === undefined) return;
    const decoded = payload.length === 0 ? undefined : decodePayload(nodeStatusSchema, payload);
    if (decoded !== undefined && !decoded.ok) this.undecodable++;
    const isReady = decoded?.ok === true && decoded.value.state === 'online' && (decoded.value.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (isReady) this.ready.add(node);
    else this.ready.delete(node);
  }

  private onDesired(topic: string, payload: Buffer): void {
    const node = this.topics.parseNodeTopic(topic)?.node;
    if (node === undefined || payload.length === 0) return;
    const decoded = decodePayload(nodeDesiredSchema, payload);
    if (!decoded.ok) return void this.undecodable++;
    const now = performance.now();
    const names = decoded.value.pods.map((p) => p.name);
    this.desiredPods.set(node, names);
    for (const name of names) if (name.startsWith(this.podPrefix) && !this.boundAt.has(name)) this.boundAt.set(name, now);
  }

  private onPod(payload: Buffer): void {
    if (payload.length === 0) return;
    const decoded = decodePayload(podStatusReportSchema, payload);
    if (!decoded.ok) return void this.undecodable++;
    const { name, status } = decoded.value;
    if (status.phase === 'Running' && name.startsWith(this.podPrefix) && !this.runningAt.has(name)) this.runningAt.set(name, performance.now());
  }
}
