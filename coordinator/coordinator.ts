import { encodePayload } from '../protocol/codec.js';
import { decodeNodeStatus, decodePodStatus } from '../protocol/decoders.js';
import type { Logger } from '../protocol/log.js';
import type { CoordinatorStatus } from '../protocol/messages.js';
import { type Reply, type RemoveNodeResult, type Request } from '../protocol/requests.js';
import type { MqttLink } from '../protocol/mqtt-link.js';
import type { Topics } from '../protocol/topics.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { desiredPodsByNode, nodeDesired } from './desired.js';
import { DEFAULT_EVENT_LIMITS, EventStore } from './events.js';
import type { ListContext } from './list-items.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { RolloutProgress } from './rollout-progress.js';
import { recordNodeEvent } from './node-events.js';
import { removeNodeFromState } from './remove-node.js';
import { AUTH_OFF_MESSAGE, handleTokenRequest, type CoordinatorAuth } from './token-requests.js';
import { isKnownNode, nodeNotFound } from './cordon.js';
import { ObservedState } from './observed.js';
import { reconcile } from './reconcile.js';
import { decodeRequest, errorReply, handleRequest } from './requests.js';
import { SerialQueue, Wakeable } from './serial-queue.js';
import type { CoordinatorState, Entropy } from './state.js';
import type { Store } from './store.js';
import { workloadGenerations } from './workload-generations.js';

export interface CoordinatorDeps {
  link: MqttLink;
  topics: Topics;
  store: Store;
  log: Logger;
  entropy: Entropy;
  version: string;
  /** A monotonic clock in ms (performance.now): what node liveness and evictions are timed on. */
  monotonicMs: () => number;
  /** `--eviction-timeout`: how long a node may be not Ready before its Deployments' pods are replaced elsewhere. */
  evictionTimeoutMs: number;
  /** `--node-grace`: a node whose status has not been heard for this long is held NotReady. */
  nodeGraceMs: number;
  /** The auth store and CA pin when authentication is on; without it `token` and `removeNode` are refused. */
  auth?: CoordinatorAuth;
}

/** How long a failed store write waits before the control loop tries again. */
const RETRY_AFTER_MS = 1000;
/** How often the connection is looked at, to log it when it is lost or never made. */
const CONNECTION_CHECK_MS = 2000;

/**
 * The coordinator's I/O shell. It feeds what arrives from the broker into the pure
 * core (requests, reconcile) and sends out what the core decides. Every state change
 * runs on one serial queue and is persisted before anyone hears of it: a reply after
 * the store write, a desired state after the generation it carries is on disk.
 */
export class Coordinator {
  private state: CoordinatorState;
  /**
   * The state as of the last completed control-loop pass, the one desired states are
   * published from; undefined until the first pass, so nothing goes out before the
   * state as loaded has been looked at again.
   */
  private reconciled: CoordinatorState | undefined;
  private readonly observed: ObservedState;
  private readonly lifecycle: NodeLifecycle;
  private readonly progress = new RolloutProgress();
  /** Recent node events, in memory only (never on disk). */
  private readonly events: EventStore;
  private unschedulable = new Map<string, string>();
  /** Workload uid -> the generation the last committed pass acted on; only workloads that exist. */
  private observedGenerations = new Map<string, number>();
  /** Node -> the generation last handed to the broker on this connection. */
  private readonly published = new Map<string, number>();
  private readonly queue = new SerialQueue();
  private readonly loop: Wakeable;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectionTimer: NodeJS.Timeout | undefined;
  private wasConnected: boolean | undefined;
  private stopping = false;
  private readonly startedAt: string;

  constructor(private readonly deps: CoordinatorDeps, initialState: CoordinatorState) {
    this.state = initialState;
    this.startedAt = deps.entropy.now();
    this.observed = new ObservedState(deps.monotonicMs);
    this.lifecycle = new NodeLifecycle({
      observed: this.observed,
      log: deps.log,
      monotonicMs: deps.monotonicMs,
      now: () => deps.entropy.now(),
      isConnected: () => deps.link.isConnected,
      storedNodes: () => Object.keys(this.state.nodes),
      wake: () => this.loop.wake(),
      evictionTimeoutMs: deps.evictionTimeoutMs,
      nodeGraceMs: deps.nodeGraceMs,
    });
    this.events = new EventStore(DEFAULT_EVENT_LIMITS, () => deps.entropy.newUid());
    this.loop = new Wakeable(this.queue, () => this.reconcileOnce());
  }

  /** Connects (in the background if the broker is down), subscribes and runs a first pass. */
  async start(): Promise<void> {
    const { link, topics } = this.deps;
    // The first pass is queued before anything can connect, so nothing is published
    // from the state as loaded (a request may have changed its pods after the last pass).
    this.loop.wake();
    link.onConnect(() => this.onConnected());
    await link.start();
    await link.subscribe(topics.allNodeStatuses(), (topic, payload) => this.onNodeMessage(topic, payload));
    await link.subscribe(topics.allPodStatuses(), (topic, payload) => this.onNodeMessage(topic, payload));
    await link.subscribe(topics.allNodeEvents(), (topic, payload) => this.onNodeMessage(topic, payload));
    await link.subscribe(topics.coordinatorRequests(), (topic, payload) => this.onRequest(topic, payload));
    this.connectionTimer = setInterval(() => this.checkConnection(), CONNECTION_CHECK_MS).unref();
  }

  /** MqttLink reconnects by itself; this only tells the operator when the broker is away. */
  private checkConnection(): void {
    const connected = this.deps.link.isConnected;
    if (!connected) this.lifecycle.disconnected();
    if (connected === this.wasConnected) return;
    if (!connected) this.deps.log.warn({ reason: 'BrokerUnreachable' }, 'not connected to the broker; retrying (nodes get no updates meanwhile)');
    this.wasConnected = connected;
  }

  /** When the request or control-loop pass under way began (performance.now); undefined while idle. */
  busySince(): number | undefined {
    return this.queue.busySince();
  }

  /** Finishes the work in hand, says `offline` and disconnects. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.connectionTimer);
    this.lifecycle.stop();
    await this.queue.idle();
    const { link, topics, version } = this.deps;
    await link.stop({ farewell: { topic: topics.coordinatorStatus(), payload: Coordinator.offlineStatus(version), retain: true } });
  }

  /** The last-will payload, for the link's options. */
  static offlineStatus(version: string): string {
    const status: CoordinatorStatus = { protocol: PROTOCOL_VERSION, state: 'offline', version };
    return encodePayload(status);
  }

  private onConnected(): void {
    if (this.stopping) return;
    const { topics, log, version } = this.deps;
    log.info({ reason: 'Connected' }, 'connected to the broker');
    this.wasConnected = true;
    this.lifecycle.connected();
    const online: CoordinatorStatus = { protocol: PROTOCOL_VERSION, state: 'online', version, startedAt: this.startedAt };
    this.publish(topics.coordinatorStatus(), encodePayload(online), true);
    // The broker may have lost every retained message (the embedded one does on restart).
    void this.queue.run(async () => {
      this.published.clear();
      this.publishDesired();
    });
  }

  private onNodeMessage(topic: string, payload: Buffer): void {
    if (this.stopping) return;
    const { topics, log } = this.deps;
    const parsed = topics.parseNodeTopic(topic);
    if (!parsed) return;
    const { node, rest } = parsed;
    let wake = false;
    if (rest.length === 1 && rest[0] === 'status') {
      if (payload.length === 0) {
        wake = this.observed.clearNodeStatus(node);
        if (wake) log.info({ node, reason: 'NodeRemoved' }, 'node status cleared; node removed from the fleet');
        this.lifecycle.nodeStatusChanged(node);
      } else {
        const decoded = decodeNodeStatus(payload);
        if (!decoded.ok || decoded.value.node !== node) {
          log.warn({ node, topic, reason: decoded.ok ? 'NodeMismatch' : decoded.reason }, 'dropped a bad node status');
          return;
        }
        wake = this.observed.setNodeStatus(decoded.value);
        this.lifecycle.nodeStatusChanged(node);
        // A node that applied a newer generation than the store holds (a lost store, a
        // new state dir) must be handed a higher one, or it ignores every desired state.
        const applied = decoded.value.observedGeneration ?? 0;
        if (applied > (this.state.nodes[node]?.generation ?? 0)) wake = true;
      }
    } else if (rest.length === 2 && rest[0] === 'pods' && rest[1] !== undefined) {
      const pod = rest[1];
      if (payload.length === 0) {
        wake = this.observed.clearPodReport(node, pod);
      } else {
        const decoded = decodePodStatus(payload);
        if (!decoded.ok || decoded.value.node !== node || decoded.value.name !== pod) {
          log.warn({ node, pod, topic, reason: decoded.ok ? 'NameMismatch' : decoded.reason }, 'dropped a bad pod status');
          return;
        }
        wake = this.observed.setPodReport(decoded.value);
      }
    } else if (rest.length === 1 && rest[0] === 'events') {
      if (payload.length > 0) recordNodeEvent({ events: this.events, state: this.state, observed: this.observed, log, nowMs: Date.parse(this.deps.entropy.now()) }, topic, node, payload);
    }
    if (wake) this.loop.wake();
  }

  private onRequest(topic: string, payload: Buffer): void {
    if (this.stopping) return;
    const { log } = this.deps;
    const decoded = decodeRequest(payload);
    if (!decoded.ok) {
      log.warn({ topic, reason: decoded.reason }, 'dropped a bad request');
      if (decoded.replyTo !== undefined) {
        this.sendReply(decoded.replyTo, errorReply(decoded.id ?? '', 'BadRequest', `bad request: ${decoded.reason}`));
      }
      return;
    }
    const request = decoded.request;
    void this.queue.run(() => this.handle(request));
  }

  private async handle(request: Request): Promise<void> {
    const { log, entropy } = this.deps;
    let reply: Reply;
    try {
      if (request.op === 'token' || request.op === 'removeNode') {
        reply = request.op === 'token' ? await handleTokenRequest(request, this.deps.auth) : await this.removeNode(request);
        // A created token's secret must not reach the log.
        log.info({ op: request.op, ok: reply.ok, ...(request.op === 'token' ? { action: request.action } : { node: request.node }), ...(reply.ok ? {} : { error: reply.error }) }, `${request.op} request`);
        this.sendReply(request.replyTo, reply);
        return;
      }
      const decision = handleRequest(request, this.listContext(), entropy);
      reply = decision.reply;
      // The change and the control-loop pass it causes are persisted in one write, so
      // the reply means the pods exist and the nodes have been told.
      if (decision.state) await this.commit(decision.state);
    } catch (error) {
      log.error({ err: error, reason: 'RequestFailed', op: request.op }, 'request failed');
      reply = errorReply(request.id, 'Internal', `the coordinator could not complete the request: ${(error as Error).message}`);
    }
    if (request.op !== 'list') {
      log.info({ op: request.op, ok: reply.ok, ...(reply.ok ? { result: reply.result } : { error: reply.error }) }, `${request.op} request`);
    }
    this.sendReply(request.replyTo, reply);
  }

  /**
   * `baton delete node`: the credential goes first (so the node cannot come back on its
   * own), then the node is treated as removed from the fleet (its status cleared), its
   * record and pods leave the store in one pass, and its retained status, desired state
   * and pod statuses are cleared on the broker (the desired state holds env secrets).
   */
  private async removeNode(request: Extract<Request, { op: 'removeNode' }>): Promise<Reply> {
    const { auth, topics } = this.deps;
    const { node } = request;
    if (auth === undefined) return errorReply(request.id, 'BadRequest', AUTH_OFF_MESSAGE);
    if (!auth.store.hasNodeCredential(node) && !isKnownNode(this.state, this.observed, node) && this.state.nodes[node] === undefined) {
      return errorReply(request.id, 'NotFound', nodeNotFound(node));
    }
    const credential = await auth.store.removeNode(node);
    const reported = this.observed.reportedPods(node);
    this.observed.clearNodeStatus(node);
    for (const pod of reported) this.observed.clearPodReport(node, pod);
    this.lifecycle.nodeStatusChanged(node);
    const removed = removeNodeFromState(this.state, node);
    await this.commit(removed.state);
    this.published.delete(node);
    this.publish(topics.nodeStatus(node), '', true);
    this.publish(topics.nodeDesired(node), '', true);
    for (const pod of new Set([...reported, ...removed.deletedPods])) this.publish(topics.podStatus(node, pod), '', true);
    const result: RemoveNodeResult = { node, credential, deletedPods: removed.deletedPods };
    return { protocol: PROTOCOL_VERSION, id: request.id, ok: true, result };
  }

  private listContext(): ListContext {
    return {
      state: this.state,
      observed: this.observed,
      unschedulable: this.unschedulable,
      observedGeneration: (uid) => this.observedGenerations.get(uid),
      events: this.events.list(Date.parse(this.deps.entropy.now())),
      podAvailability: this.lifecycle.availabilityNow(this.state),
      deploymentProgress: this.progress.lookup(this.deps.monotonicMs()),
    };
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopping) return;
    const { log, store } = this.deps;
    try {
      await this.commit(this.state);
    } catch (error) {
      log.error({ err: error, reason: 'StoreWriteFailed' }, `cannot write the store ${store.path}; retrying`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.loop.wake(), RETRY_AFTER_MS);
    }
  }

  /**
   * One control-loop pass over `base`: persisted, then adopted and published. If the
   * store cannot be written it throws and nothing changes, in memory or on the broker.
   */
  private async commit(base: CoordinatorState): Promise<void> {
    const { log, store, entropy } = this.deps;
    const clock = { ms: this.deps.monotonicMs(), time: entropy.now() };
    // A request's change is seen before the pass acts on it, as two syncs of Kubernetes'
    // controller would: a new template first (NewReplicaSetCreated), then its pods.
    if (base !== this.state) this.progress.see(base, this.lifecycle.availabilityNow(base), clock);
    const result = reconcile(base, this.observed, entropy, this.lifecycle.beforePass());
    await store.save(result.state);
    const before = this.state;
    this.state = result.state;
    this.reconciled = result.state;
    this.lifecycle.afterPass(before, result);
    this.progress.see(this.state, this.lifecycle.availabilityNow(this.state), clock);
    for (const name of result.created) log.info({ pod: name, reason: 'Created' }, 'pod created');
    for (const name of result.deleted) log.info({ pod: name, reason: 'Deleted' }, 'pod deleted');
    for (const [pod, node] of result.bound) log.info({ pod, node, reason: 'Scheduled' }, `pod bound to ${node}`);
    for (const [pod, message] of result.unschedulable) {
      if (this.unschedulable.get(pod) !== message) log.info({ pod, reason: 'FailedScheduling' }, message);
    }
    this.unschedulable = result.unschedulable;
    this.observedGenerations = workloadGenerations(this.state);
    this.publishDesired();
  }

  /** Publishes every node's desired state whose generation the broker has not had yet. */
  private publishDesired(): void {
    const { link, topics, log } = this.deps;
    const state = this.reconciled;
    if (!link.isConnected || state === undefined) return; // all of it goes out on connect, or after the first pass
    const byNode = desiredPodsByNode(state.pods);
    for (const node of Object.values(state.nodes)) {
      if (this.published.get(node.name) === node.generation) continue;
      this.published.set(node.name, node.generation);
      const desired = nodeDesired(node, byNode.get(node.name) ?? []);
      log.debug({ node: node.name, generation: node.generation, pods: desired.pods.length }, 'publishing desired state');
      this.publish(topics.nodeDesired(node.name), encodePayload(desired), true, () => this.published.delete(node.name));
    }
  }

  private sendReply(topic: string, reply: Reply): void {
    this.publish(topic, encodePayload(reply), false);
  }

  private publish(topic: string, payload: string, retain: boolean, onFailure?: () => void): void {
    // Not awaited: a publish waits for the broker's ack, and the queue must not stall
    // behind a slow or lost connection. Snapshots are republished on every connect.
    this.deps.link.publish(topic, payload, { retain }).then(
      (sent) => {
        if (!sent) onFailure?.();
      },
      (error: unknown) => {
        onFailure?.();
        this.deps.log.warn({ err: error, topic, reason: 'PublishFailed' }, 'publish failed');
      },
    );
  }
}
