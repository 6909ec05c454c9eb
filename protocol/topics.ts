import { PROTOCOL_VERSION } from './version.js';

/** The default topic prefix; `--prefix` / `BATON_PREFIX` changes it for every program. */
export const DEFAULT_PREFIX = 'baton';

/**
 * Builds every topic Baton uses under one prefix. Node and pod names are validated
 * DNS-1123 names, so they never contain `/`, `+` or `#`.
 */
export class Topics {
  readonly root: string;

  constructor(prefix: string = DEFAULT_PREFIX) {
    this.root = `${prefix}/${PROTOCOL_VERSION}`;
  }

  nodeStatus(node: string): string {
    return `${this.root}/nodes/${node}/status`;
  }

  nodeDesired(node: string): string {
    return `${this.root}/nodes/${node}/desired`;
  }

  podStatus(node: string, pod: string): string {
    return `${this.root}/nodes/${node}/pods/${pod}`;
  }

  nodeEvents(node: string): string {
    return `${this.root}/nodes/${node}/events`;
  }

  /** Every node's status: `baton/v1/nodes/+/status`. */
  allNodeStatuses(): string {
    return `${this.root}/nodes/+/status`;
  }

  /** Every node's lifecycle events: `baton/v1/nodes/+/events`. */
  allNodeEvents(): string {
    return `${this.root}/nodes/+/events`;
  }

  /** Every pod status of one node, or of all nodes. */
  allPodStatuses(node = '+'): string {
    return `${this.root}/nodes/${node}/pods/+`;
  }

  /** Requests to the coordinator (apply, delete, list); each carries its reply topic. */
  coordinatorRequests(): string {
    return `${this.root}/coordinator/requests`;
  }

  /** The coordinator's retained presence, with a last will for `offline`. */
  coordinatorStatus(): string {
    return `${this.root}/coordinator/status`;
  }

  /** Where one client receives its replies. */
  clientReplies(clientId: string): string {
    return `${this.root}/clients/${clientId}/replies`;
  }

  /**
   * A topic only this client writes and reads: a client subscribes, then publishes a
   * marker here; once it comes back, every retained message of its earlier
   * subscriptions has arrived.
   */
  clientSync(clientId: string): string {
    return `${this.root}/clients/${clientId}/sync`;
  }

  /** Splits `<root>/nodes/<node>/<rest...>` into its node and the rest; undefined otherwise. */
  parseNodeTopic(topic: string): { node: string; rest: string[] } | undefined {
    const head = `${this.root}/nodes/`;
    if (!topic.startsWith(head)) return undefined;
    const [node, ...rest] = topic.slice(head.length).split('/');
    if (node === undefined || node === '' || rest.length === 0) return undefined;
    return { node, rest };
  }
}

/** True if `topic` matches the MQTT subscription `filter` (with `+` and `#` wildcards). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
