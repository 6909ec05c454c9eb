import { randomBytes } from 'node:crypto';
import { encodePayload, MAX_REPLY_BYTES } from '../../protocol/codec.js';
import { decodeCoordinatorStatus, decodeReply } from '../../protocol/decoders.js';
import { payloadLimits } from '../../protocol/limits.js';
import type { Request } from '../../protocol/requests.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { CliError, CoordinatorError } from './errors.js';
import { withTimeout, type Session } from './session.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request as a command builds it; the client adds protocol, id and replyTo. */
export type RequestBody = DistributiveOmit<Request, 'protocol' | 'id' | 'replyTo'>;

/**
 * Request/reply with the coordinator over MQTT 3.1.1: the request carries its reply
 * topic (this client's own), the reply echoes the request's id. The retained
 * coordinator status is watched too, so a coordinator that says it is offline fails
 * the request at once instead of after the whole timeout.
 */
export class CoordinatorClient {
  private readonly pending = new Map<string, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private offline = false;

  constructor(private readonly session: Session) {}

  /** Subscribes to the replies and the coordinator's status; call before any request. */
  async start(): Promise<void> {
    const { link, topics, clientId } = this.session;
    await link.subscribe(topics.clientReplies(clientId), (topic, payload) => this.onReply(topic, payload));
    await link.subscribe(topics.coordinatorStatus(), (_topic, payload) => this.onStatus(payload));
  }

  /** Sends one request; resolves with the reply's result or rejects with CoordinatorError / CliError. */
  async request(body: RequestBody): Promise<unknown> {
    if (this.offline) throw this.offlineError();
    const { link, topics, clientId, options } = this.session;
    const id = randomBytes(8).toString('hex');
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // The reply may fail (coordinator offline) while the request is still being published.
    reply.catch(() => undefined);
    const request = encodePayload({ ...body, protocol: PROTOCOL_VERSION, id, replyTo: topics.clientReplies(clientId) });
    const size = Buffer.byteLength(request);
    if (size > payloadLimits.request) {
      this.pending.delete(id);
      throw new CliError(`the request of ${size} bytes exceeds the ${payloadLimits.request} bytes the coordinator accepts; send fewer objects at once`);
    }
    if (!(await link.publish(topics.coordinatorRequests(), request, { retain: false }))) {
      this.pending.delete(id);
      throw this.session.lostConnection();
    }
    try {
      return await withTimeout(
        reply,
        options.timeoutMs,
        () =>
          new CliError(
            `no reply from the coordinator within ${this.session.timeoutText} (is baton-coordinator running and using the broker at ${options.broker}?)`,
          ),
      );
    } finally {
      this.pending.delete(id);
    }
  }

  private onReply(topic: string, payload: Buffer): void {
    if (payload.length > MAX_REPLY_BYTES) {
      // Too large to read safely; say so rather than let the request time out.
      const error = new CliError(`the coordinator's reply of ${payload.length} bytes is larger than the ${MAX_REPLY_BYTES / 2 ** 20} MiB the CLI reads`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      return;
    }
    const decoded = decodeReply(payload);
    if (!decoded.ok) {
      // Replies come only on this client's own topic: whatever request waits gets this, not a timeout.
      const error = new CliError(`cannot read the reply on ${topic}: ${decoded.reason}`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      return;
    }
    const reply = decoded.value;
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new CoordinatorError(reply.error.code, reply.error.message, reply.error.details ?? []));
  }

  private onStatus(payload: Buffer): void {
    if (payload.length === 0) return;
    const decoded = decodeCoordinatorStatus(payload);
    this.offline = decoded.ok && decoded.value.state === 'offline';
    if (!this.offline) return;
    for (const waiter of this.pending.values()) waiter.reject(this.offlineError());
  }

  private offlineError(): CliError {
    return new CliError(
      `the coordinator is offline (its status on the broker at ${this.session.options.broker} says so; is baton-coordinator running?)`,
    );
  }
}
