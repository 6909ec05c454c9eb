import { decodePayload, encodePayload } from '../protocol/codec.js';
import type { Logger } from '../protocol/log.js';
import { podStatusReportSchema, type NodeDesired, type PodStatus, type PodStatusReport } from '../protocol/messages.js';
import type { MqttLink } from '../protocol/mqtt-link.js';
import type { Topics } from '../protocol/topics.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import type { PodContainer } from './container-labels.js';
import { derivePodStatus, type PodStatusContext } from './pod-status.js';

/**
 * Keeps each pod's retained status on the broker equal to what the agent sees. A status
 * is published only when it changed, all of them again after every (re)connect, and a
 * pod's status is cleared (empty retained payload) once the pod is gone. The agent
 * subscribes to its own pods/+ topics: what it reads there at start is both the
 * "previous" status (transition times survive a restart) and the list of stale pods.
 */
export class PodStatusPublisher {
  /** What this agent wants retained on the broker, by pod name. */
  private readonly published = new Map<string, { report: PodStatusReport; payload: string }>();
  /** What the broker holds for this node, as read back from the subscription. */
  private readonly onBroker = new Map<string, PodStatusReport>();

  constructor(
    private readonly node: string,
    private readonly link: MqttLink,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {}

  /** Handles a message on this node's pods/+ topics (our own, read back). */
  onMessage(topic: string, payload: Buffer): void {
    const pod = this.topics.parseNodeTopic(topic)?.rest[1];
    if (pod === undefined) return;
    if (payload.length === 0) {
      this.onBroker.delete(pod);
      return;
    }
    const decoded = decodePayload(podStatusReportSchema, payload);
    if (decoded.ok && decoded.value.node === this.node && decoded.value.name === pod) this.onBroker.set(pod, decoded.value);
  }

  /** Derives every desired pod's status, publishes the changed ones and clears the gone ones. */
  async update(desired: NodeDesired, ours: readonly PodContainer[], context: Omit<PodStatusContext, 'previous'>): Promise<void> {
    const publishes: Promise<void>[] = [];
    const wanted = new Set<string>();
    for (const pod of desired.pods) {
      wanted.add(pod.name);
      const previous = this.previous(pod.name, pod.uid);
      const status = derivePodStatus(pod, ours, { ...context, ...(previous ? { previous } : {}) });
      const report: PodStatusReport = {
        protocol: PROTOCOL_VERSION,
        node: this.node,
        name: pod.name,
        uid: pod.uid,
        observedGeneration: desired.generation,
        status,
      };
      const payload = encodePayload(report);
      if (this.published.get(pod.name)?.payload === payload) continue;
      this.published.set(pod.name, { report, payload });
      this.log.debug({ pod: pod.name, phase: status.phase }, 'pod status changed');
      publishes.push(this.send(pod.name, payload));
    }
    const remaining = new Set(ours.map((c) => c.pod));
    for (const pod of new Set([...this.published.keys(), ...this.onBroker.keys()])) {
      if (wanted.has(pod) || remaining.has(pod)) continue;
      this.published.delete(pod);
      this.onBroker.delete(pod);
      this.log.info({ pod, reason: 'pod is gone' }, 'clearing pod status');
      publishes.push(this.send(pod, ''));
    }
    await Promise.all(publishes);
  }

  /** Publishes every held status again: the broker may have lost them. */
  async republish(): Promise<void> {
    await Promise.all([...this.published].map(([pod, { payload }]) => this.send(pod, payload)));
  }

  private previous(pod: string, uid: string): PodStatus | undefined {
    const held = this.published.get(pod)?.report ?? this.onBroker.get(pod);
    return held?.uid === uid ? held.status : undefined;
  }

  private async send(pod: string, payload: string): Promise<void> {
    try {
      // Not connected: dropped, and sent again by republish() on connect.
      await this.link.publish(this.topics.podStatus(this.node, pod), payload, { retain: true });
    } catch (error) {
      this.log.debug({ pod, reason: (error as Error).message }, 'pod status not published; republished on reconnect');
    }
  }
}
