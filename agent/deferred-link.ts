import type { MessageHandler, MqttLink } from '../protocol/mqtt-link.js';
import type { AgentLink } from './agent.js';

/**
 * A broker link whose MqttLink is not known at start: the node has yet to join, and the
 * broker's URL and the node's credentials come from the join. The agent uses it as any
 * link, so it starts at once and runs its saved pods while the join goes on, however
 * long the coordinator stays away: until the MqttLink exists, subscriptions are kept
 * (and made on it once it exists), publishes are refused as when disconnected (owners
 * republish their snapshots from `onConnect`), and `stop` abandons the join.
 *
 * `open` makes the MqttLink (joining, with its own retries); when it fails for good,
 * `onFailure` is told once, and the agent is left without a broker.
 */
export class DeferredLink implements AgentLink {
  private link: MqttLink | undefined;
  private readonly subscriptions: { filter: string; handler: MessageHandler }[] = [];
  private readonly connectListeners: (() => void)[] = [];
  private readonly abort = new AbortController();
  private opening: Promise<void> | undefined;

  constructor(
    private readonly open: (signal: AbortSignal) => Promise<MqttLink>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
    this.link?.onConnect(listener);
  }

  /** Resolves at once; the MqttLink comes later (see the class comment). Call once. */
  start(): Promise<void> {
    this.opening ??= this.open(this.abort.signal)
      .then((link) => this.adopt(link))
      .catch((error: unknown) => {
        if (!this.abort.signal.aborted) this.onFailure(error);
      });
    return Promise.resolve();
  }

  private async adopt(link: MqttLink): Promise<void> {
    if (this.abort.signal.aborted) return;
    for (const listener of this.connectListeners) link.onConnect(listener);
    // From link.start() to `this.link = link` nothing awaits, so no subscribe of the
    // agent's comes in between: each filter is subscribed exactly once.
    const started = link.start();
    const subscribed = this.subscriptions.map(({ filter, handler }) => link.subscribe(filter, handler));
    this.link = link;
    await Promise.all([started, ...subscribed]);
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.subscriptions.push({ filter, handler });
    await this.link?.subscribe(filter, handler);
  }

  publish(topic: string, payload: string | Buffer, options: { retain: boolean }): Promise<boolean> {
    return this.link === undefined ? Promise.resolve(false) : this.link.publish(topic, payload, options);
  }

  /** Abandons the join (nothing is saved after this returns) or stops the MqttLink. Idempotent. */
  async stop(options: Parameters<MqttLink['stop']>[0] = {}): Promise<void> {
    this.abort.abort();
    await this.opening;
    await this.link?.stop(options);
  }
}
