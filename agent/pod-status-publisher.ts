import { encodePayload } from '../protocol/codec.js';
import { decodePodStatus } from '../protocol/decoders.js';
import type { Logger } from '../protocol/log.js';
import type { NodeDesired, PodStatus, PodStatusReport } from '../protocol/messages.js';
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
 *
 * Publishing never waits for the broker: the reconcile pass calls `update`, and a broker
 * that is frozen, or a connection that died silently, must not hold up restarts. A
 * status is "published" once handed to the link. Refused (disconnected), it is sent again
 * by `republish()` on connect. Left unacknowledged on a dead connection, the MQTT client
 * resends it after reconnecting, before the connect listeners run, so the newest status
 * that `republish()` sends still lands last.
 */
export class PodStatusPublisher {
  /** What this agent wants retained on the broker, by pod name. */
  private readonly published = new Map<string, { report: PodStatusReport; payload: string }>();
  /** What the broker holds for this node, as read back from the subscription. */
  private readonly onBroker = new Map<string, PodStatusReport>();

  constructor(
    private readonly node: string,
    private readonly link: Pick<MqttLink, 'publish'>,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {}

  /**
   * Handles a message on this node's pods/+ topics (our own, read back). Returns true when
   * the broker holds a status for a pod this agent has not published: left by an earlier
   * run (killed before it cleared a removed pod's status, say), it wants a pass now to be
   * cleared or taken over, not at the next periodic resync.
   */
  onMessage(topic: string, payload: Buffer): boolean {
    const pod = this.topics.parseNodeTopic(topic)?.rest[1];
    if (pod === undefined) return false;
    if (payload.length === 0) {
      this.onBroker.delete(pod);
      return false;
    }
    const decoded = decodePodStatus(payload);
    if (!decoded.ok || decoded.value.node !== this.node || decoded.value.name !== pod) {
      // Not ours to trust; the next pass publishes this pod's real status over it, or clears it.
      this.log.warn({ topic, reason: decoded.ok ? 'NameMismatch' : decoded.reason }, 'dropped a bad pod status');
      return false;
    }
    this.onBroker.set(pod, decoded.value);
    return !this.published.has(pod);
  }

  /** Derives every desired pod's status, publishes the changed ones and clears the gone ones. Returns without waiting for the broker. */
  update(desired: NodeDesired, ours: readonly PodContainer[], context: Omit<PodStatusContext, 'previous'>): void {
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
      this.send(pod.name, payload);
    }
    const remaining = new Set(ours.map((c) => c.pod));
    for (const pod of new Set([...this.published.keys(), ...this.onBroker.keys()])) {
      if (wanted.has(pod) || remaining.has(pod)) continue;
      this.published.delete(pod);
      this.onBroker.delete(pod);
      this.log.info({ pod, reason: 'pod is gone' }, 'clearing pod status');
      this.send(pod, '');
    }
  }

  /** Publishes every held status again: the broker may have lost them. Does not wait for the broker. */
  republish(): void {
    for (const [pod, { payload }] of this.published) this.send(pod, payload);
  }

  private previous(pod: string, uid: string): PodStatus | undefined {
    const held = this.published.get(pod)?.report ?? this.onBroker.get(pod);
    return held?.uid === uid ? held.status : undefined;
  }

  /** Hands the status to the link; the acknowledgement is not awaited (see the class comment). */
  private send(pod: string, payload: string): void {
    // Not connected: dropped (false), and sent again by republish() on connect.
    this.link.publish(this.topics.podStatus(this.node, pod), payload, { retain: true }).catch((error: unknown) => {
      this.log.debug({ pod, reason: error instanceof Error ? error.message : String(error) }, 'pod status not published; republished on reconnect');
    });
  }
}
