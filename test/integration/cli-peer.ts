import { randomUUID } from 'node:crypto';
import { decodePayload, encodePayload } from '../../protocol/codec.js';
import { requestSchema, type Reply, type Request } from '../../protocol/requests.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

/**
 * The other end of the wire for the CLI's integration tests: it answers
 * `coordinator/requests` the way a coordinator does (a Reply to the request's replyTo)
 * and publishes retained node and pod statuses the way agents do. The CLI under test is
 * the real built program; only its peer is played by the test.
 */

export type Answer = { ok: true; result: unknown } | { ok: false; code: 'Invalid' | 'NotFound' | 'BadRequest' | 'Internal'; message: string; details?: string[] };

export class CoordinatorPeer {
  readonly topics: Topics;
  readonly requests: Request[] = [];
  /** How to answer; undefined means stay silent (a coordinator that is not there). */
  answer: (request: Request) => Answer | undefined = () => undefined;
  private readonly link: MqttLink;
  private readonly clientId = `cli-test-peer-${randomUUID().slice(0, 8)}`;
  private readonly syncs = new Map<string, () => void>();

  constructor(url: string, prefix: string) {
    this.topics = new Topics(prefix);
    this.link = new MqttLink({ url, clientId: this.clientId, reconnect: false });
  }

  async start(): Promise<void> {
    await this.link.start();
    await this.link.subscribe(this.topics.coordinatorRequests(), (_topic, payload) => void this.onRequest(payload));
    await this.link.subscribe(this.topics.clientSync(this.clientId), (_topic, payload) => this.syncs.get(payload.toString())?.());
  }

  async stop(): Promise<void> {
    await this.link.stop();
  }

  /** Publishes a retained JSON payload, or clears the topic with `undefined`. */
  async retain(topic: string, value: unknown): Promise<void> {
    await this.link.publish(topic, value === undefined ? '' : encodePayload(value), { retain: true });
  }

  /**
   * Resolves once everything published before this call (by any client) has reached
   * this peer: the broker handles messages in order, so a marker sent now arrives after
   * them. Used to show that the CLI sent *nothing*.
   */
  async sync(): Promise<void> {
    const nonce = randomUUID();
    const arrived = new Promise<void>((resolve) => this.syncs.set(nonce, resolve));
    await this.link.publish(this.topics.clientSync(this.clientId), nonce, { retain: false });
    await arrived;
  }

  private async onRequest(payload: Buffer): Promise<void> {
    const decoded = decodePayload(requestSchema, payload);
    if (!decoded.ok) throw new Error(`the CLI sent a request the protocol rejects: ${decoded.reason}`);
    const request = decoded.value;
    this.requests.push(request);
    const answer = this.answer(request);
    if (answer === undefined) return;
    const reply: Reply = answer.ok
      ? { protocol: PROTOCOL_VERSION, id: request.id, ok: true, result: answer.result }
      : {
          protocol: PROTOCOL_VERSION,
          id: request.id,
          ok: false,
          error: { code: answer.code, message: answer.message, ...(answer.details ? { details: answer.details } : {}) },
        };
    await this.link.publish(request.replyTo, encodePayload(reply), { retain: false });
  }
}
