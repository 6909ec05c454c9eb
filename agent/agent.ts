import { encodePayload } from '../protocol/codec.js';
import type { Logger } from '../protocol/log.js';
import type { NodeDesired, NodeEvent } from '../protocol/messages.js';
import type { Taint } from '../protocol/manifest-scheduling.js';
import type { MqttLink } from '../protocol/mqtt-link.js';
import type { Topics } from '../protocol/topics.js';
import { BATON_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';
import type { HostPathType } from '../protocol/manifest.js';
import { failureKey, type PlanContext, type StepFailure } from './actions.js';
import { nodeAllows, type NodePolicy } from './admission.js';
import type { Clock } from './clock.js';
import { LABELS, specHash } from './container-labels.js';
import { sandboxHash } from './container-spec.js';
import type { DesiredStore } from './desired-store.js';
import type { EventSink, LifecycleEvent } from './event-sink.js';
import { Executor } from './execute.js';
import type { HostPathKind } from './host-paths.js';
import type { NodeFacts, StaticFacts, Usage } from './node-facts.js';
import { buildNodeStatus, offlineStatus } from './node-status.js';
import { ownContainers, plan } from './plan.js';
import { PodStatusPublisher } from './pod-status-publisher.js';
import { probeTargets } from './probe-targets.js';
import { ProbeManager } from './probes/probe-manager.js';
import { ImagePuller } from './pulls/image-puller.js';
import type { RestartBackoff } from './restart-policy.js';
import { ExitSightings } from './restart-timing.js';
import { describe, type ActualContainer, type ActualVolume, type ContainerRuntime, type WatchState } from './runtime/runtime.js';
import { WakeLoop } from './wake-loop.js';

export interface AgentConfig {
  readonly node: string;
  /** From `--label`. */
  readonly labels: Readonly<Record<string, string>>;
  /** From `--taint`, published in the node status. */
  readonly taints?: readonly Taint[];
  /** The periodic full resync, the safety net behind Docker events. */
  readonly resyncMs: number;
  readonly statusIntervalMs: number;
  /** Kubelet's back-off for crashing containers, failed pulls and failed starts. */
  readonly backoff: RestartBackoff;
  readonly policy: NodePolicy;
}

/** The pod sandbox's pause image: its name, and how to put it on the engine. */
export interface SandboxImage {
  readonly image: string;
  ensure(): Promise<void>;
}

/**
 * What the agent needs of its broker connection: an MqttLink, or a link that joins the
 * coordinator first (deferred-link.ts), which the agent cannot tell apart.
 */
export type AgentLink = Pick<MqttLink, 'onConnect' | 'start' | 'subscribe' | 'publish' | 'stop'>;

export interface AgentDeps {
  readonly config: AgentConfig;
  readonly runtime: ContainerRuntime;
  readonly link: AgentLink;
  readonly topics: Topics;
  readonly facts: NodeFacts;
  readonly store: DesiredStore;
  readonly sandboxImage: SandboxImage;
  readonly prepareHostPath: (path: string, type: HostPathType) => Promise<HostPathKind>;
  readonly log: Logger;
  /** Waits and back-offs run on its monotonic clock; statuses and events are dated by its wall clock. */
  readonly clock: Clock;
}

/**
 * The node agent: converges the engine's containers on the desired state, level-
 * triggered. A new desired state, a Docker event, the resync timer and retry times only
 * wake the loop; each pass lists the node's containers, plans, executes and reports.
 */
export class Agent {
  private readonly loop: WakeLoop;
  private readonly executor: Executor;
  private readonly pods: PodStatusPublisher;
  private readonly puller: ImagePuller;
  private readonly probes: ProbeManager;
  private readonly failures = new Map<string, StepFailure>();
  private readonly exits = new ExitSightings();
  private readonly timers: NodeJS.Timeout[] = [];
  private facts: StaticFacts | undefined;
  private usage: Usage | undefined;
  private runtimeVersion = 'unknown';
  private runtimeProblem: string | undefined;
  /** The desired state the last pass converged towards: its generation is the node's observedGeneration. */
  private applied: { generation: number; pods: number } | undefined;
  /** The generation the last published node status carried. */
  private reportedGeneration: number | undefined;
  /** Older generations already warned about since the held one was accepted: a redelivery warns once. */
  private readonly warnedOlder = new Set<number>();
  /** Epoch ms when this agent started; the node status's `startedAt`. */
  private readonly startedAt: number;

  constructor(private readonly deps: AgentDeps) {
    const { config, link, topics, log } = deps;
    const { clock } = deps;
    this.loop = new WakeLoop(() => this.reconcile(), log, () => clock.mono());
    const events: EventSink = { emit: (e) => this.emitEvent(e) };
    const wake = (): void => this.loop.wake();
    this.puller = new ImagePuller({ runtime: deps.runtime, events, log, clock, onChange: wake, backoff: config.backoff });
    this.probes = new ProbeManager({ runtime: deps.runtime, events, log, onChange: wake, clock });
    this.executor = new Executor({
      runtime: deps.runtime,
      events,
      failures: this.failures,
      log,
      now: () => clock.mono(),
      backoff: config.backoff,
      puller: this.puller,
      ensureSandboxImage: () => deps.sandboxImage.ensure(),
      prepareHostPath: deps.prepareHostPath,
      onDetachedDone: wake,
    });
    this.pods = new PodStatusPublisher(config.node, link, topics, log);
    this.startedAt = clock.wall();
  }

  /** Loads the saved desired state, connects, and starts the loop; `signal` ends the watches. */
  async start(signal: AbortSignal): Promise<void> {
    const { config, link, topics, runtime, log, store } = this.deps;
    await store.load();
    // The first load reading takes a moment; read it alongside the rest.
    const [facts, usage, version] = await Promise.all([
      this.deps.facts.readStatic(),
      this.deps.facts.readUsage().catch(() => undefined),
      runtime.version().catch((error: unknown) => {
        this.runtimeProblem = describe(error);
        log.error({ reason: this.runtimeProblem }, 'the container runtime does not answer; retrying at every resync');
        return undefined;
      }),
    ]);
    this.facts = facts;
    this.usage = usage;
    if (version !== undefined) this.runtimeVersion = version;
    link.onConnect(() => this.onConnect());
    await link.start();
    await link.subscribe(topics.nodeDesired(config.node), (topic, payload) => this.onDesired(topic, payload));
    await link.subscribe(topics.allPodStatuses(config.node), (topic, payload) => {
      if (this.pods.onMessage(topic, payload)) this.loop.wake();
    });
    runtime.watchEvents({ key: LABELS.node, value: config.node }, () => this.loop.wake(), signal, (state) => this.onWatch(state));
    this.timers.push(setInterval(() => this.loop.wake(), config.resyncMs));
    this.timers.push(setInterval(() => void this.heartbeat(), config.statusIntervalMs));
    log.info({ generation: store.current?.generation }, 'agent started');
    this.loop.wake();
  }

  /** When the reconcile pass under way began (monotonic ms); undefined while the loop waits. The systemd watchdog reads it. */
  passRunningSince(): number | undefined {
    return this.loop.busySince();
  }

  /**
   * Stops the loop (awaiting the pass in flight), says offline (AgentStopped) and
   * disconnects. Containers keep running. A detached stop of a removed pod is not waited
   * for: the engine finishes it, and the next start removes what is left.
   */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.loop.stop();
    await Promise.all([this.probes.stop(), this.puller.stop()]);
    const { link, topics, config } = this.deps;
    const offline = encodePayload(offlineStatus(config.node, 'AgentStopped', this.deps.clock.wall()));
    await link.stop({ farewell: { topic: topics.nodeStatus(config.node), payload: offline, retain: true } });
    await this.deps.store.flushed();
  }

  private onDesired(topic: string, payload: Buffer): void {
    const offer = this.deps.store.offer(payload);
    if (offer.accepted) {
      this.warnedOlder.clear();
      this.deps.log.info({ generation: offer.desired.generation, pods: offer.desired.pods.length }, 'new desired state');
      this.loop.wake();
    } else if (offer.older !== undefined) {
      // The coordinator went back in time (its store lost, say): an operator must know, since
      // this node keeps running the newer state and ignores the coordinator until it catches up.
      const { offered, held } = offer.older;
      if (this.warnedOlder.has(offered)) return;
      this.warnedOlder.add(offered);
      this.deps.log.warn({ generation: offered, heldGeneration: held, reason: offer.reason }, 'ignored a desired state older than the held one; pods keep running');
    } else if (offer.isInvalid) {
      this.deps.log.warn({ topic, reason: offer.reason }, 'ignored an invalid desired state; pods keep running');
    } else {
      this.deps.log.debug({ reason: offer.reason }, 'ignored a desired state');
    }
  }

  private onConnect(): void {
    this.deps.log.info('connected to the broker');
    this.publishNodeStatus();
    this.pods.republish();
  }

  private async heartbeat(): Promise<void> {
    this.usage = await this.deps.facts.readUsage().catch(() => this.usage);
    if (this.runtimeProblem !== undefined) this.loop.wake();
    this.publishNodeStatus();
  }

  private async reconcile(): Promise<void> {
    const { store, runtime, config } = this.deps;
    const label = { key: LABELS.node, value: config.node };
    let actual: ActualContainer[];
    let volumes: ActualVolume[];
    try {
      [actual, volumes] = await Promise.all([runtime.listContainers(label), runtime.listVolumes(label)]);
      this.exits.observe(actual, this.deps.clock.mono());
      if (this.runtimeVersion === 'unknown') this.runtimeVersion = await runtime.version();
      this.setRuntimeProblem(undefined);
    } catch (error) {
      this.setRuntimeProblem(describe(error));
      return;
    }
    const desired = store.current;
    // No desired state yet (none saved, none from the broker): change nothing in Docker.
    if (desired === undefined) return;
    const wantedImages = desired.pods.flatMap((p) => p.spec.containers.map((c) => c.image));
    let images = await this.presentImages(wantedImages);
    this.forgetFailures(desired);
    this.probes.sync(probeTargets(desired, ownContainers(actual, config.node)));
    const actions = plan(desired, actual, volumes, this.planContext(images));
    await this.executor.execute(actions);
    if (actions.some((a) => a.type !== 'wait' && a.type !== 'pull')) {
      actual = await runtime.listContainers(label);
      this.exits.observe(actual, this.deps.clock.mono());
      images = await this.presentImages(wantedImages);
      this.probes.sync(probeTargets(desired, ownContainers(actual, config.node)));
    }
    // A new sandbox lets its pod's containers be created: look again at once.
    if (actions.some((a) => a.type === 'createSandbox' || (a.type === 'start' && a.container === ''))) this.loop.wake();
    const waits = actions.flatMap((a) => (a.type === 'wait' ? [a.until] : []));
    if (waits.length > 0) this.loop.wakeAt(Math.min(...waits));
    const requesters = actions.flatMap((a) => (a.type === 'pull' || a.type === 'create' ? [a.requesterKey] : []));
    this.puller.retain(new Set(wantedImages), new Set(requesters));

    // Neither publish below waits for the broker: a frozen broker must not stop restarts.
    this.pods.update(desired, ownContainers(actual, config.node), {
      ...this.planContext(images),
      runtimeScheme: this.runtimeVersion.split('://')[0] ?? 'docker',
    });
    this.applied = { generation: desired.generation, pods: desired.pods.length };
    if (this.reportedGeneration !== desired.generation) this.publishNodeStatus();
  }

  private planContext(images: ReadonlySet<string>): PlanContext {
    const { config } = this.deps;
    return {
      node: config.node,
      now: this.deps.clock.wall(),
      mono: this.deps.clock.mono(),
      exitsSeenAt: this.exits.seenAt,
      ...(this.facts?.hostIP !== undefined ? { hostIP: this.facts.hostIP } : {}),
      images,
      failures: this.failures,
      backoff: config.backoff,
      pulls: this.puller,
      probes: this.probes,
      policy: config.policy,
      sandboxImage: this.deps.sandboxImage.image,
    };
  }

  /** Failures of pods that left the desired state, or of specs they no longer have, are of no more use. */
  private forgetFailures(desired: NodeDesired): void {
    const current = new Set(desired.pods.flatMap((p) => [failureKey(p.uid, '', sandboxHash(p)), ...p.spec.containers.map((c) => failureKey(p.uid, c.name, specHash(c, p.spec)))]));
    for (const key of this.failures.keys()) {
      if (!current.has(key)) this.failures.delete(key);
    }
  }

  /** Which of the images are on the engine; one inspect each, a cheap local call. */
  private async presentImages(images: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(images)];
    const found = await Promise.all(unique.map(async (i) => ((await this.deps.runtime.inspectImage(i).catch(() => undefined)) ? i : undefined)));
    return new Set(found.filter((i): i is string => i !== undefined));
  }

  /**
   * A lost event stream is how a killed or restarting engine shows first: the loop looks
   * at once (its failing list says the node is not Ready), and again as soon as the
   * stream is back (the re-list adopts what still runs and restarts what died, making up
   * for the events missed meanwhile). While the engine stays away, the heartbeat keeps
   * looking; the watch's own retries are not each a pass.
   */
  private onWatch(state: WatchState): void {
    if (state.state === 'watching') {
      this.deps.log.debug('watching the container runtime\'s events');
      this.loop.wake();
      return;
    }
    this.deps.log.debug({ reason: state.reason, retryInMs: state.retryInMs }, 'lost the container runtime\'s events; subscribing again');
    if (state.failures === 1) this.loop.wake();
  }

  private setRuntimeProblem(problem: string | undefined): void {
    if (problem === this.runtimeProblem) return;
    this.runtimeProblem = problem;
    if (problem !== undefined) {
      this.deps.log.error({ reason: problem }, 'the container runtime does not answer');
    } else {
      // Steps that failed as the engine went (a create refused by a dockerd shutting down)
      // say nothing of the pods: try them again now rather than after their back-off.
      this.failures.clear();
      this.deps.log.info('the container runtime answers again');
    }
    this.publishNodeStatus();
  }

  /**
   * Hands the node status to the link without waiting for the broker's acknowledgement,
   * so neither the reconcile pass nor the heartbeat hangs on a frozen broker. Refused
   * while disconnected, it is sent again by onConnect.
   */
  private publishNodeStatus(): void {
    const { config, link, topics } = this.deps;
    if (this.facts === undefined) return;
    const applied = this.applied;
    const status = buildNodeStatus({
      node: config.node,
      facts: this.facts,
      ...(this.usage ? { usage: this.usage } : {}),
      labels: config.labels,
      ...(config.taints !== undefined ? { taints: config.taints } : {}),
      allows: nodeAllows(config.policy),
      runtimeVersion: this.runtimeVersion,
      agentVersion: BATON_VERSION,
      ...(this.runtimeProblem !== undefined ? { runtimeProblem: this.runtimeProblem } : {}),
      ...(applied ? { observedGeneration: applied.generation, pods: applied.pods } : {}),
      startedAt: this.startedAt,
      now: this.deps.clock.wall(),
    });
    this.reportedGeneration = applied?.generation;
    link.publish(topics.nodeStatus(config.node), encodePayload(status), { retain: true }).catch((error: unknown) => {
      this.deps.log.debug({ reason: describe(error) }, 'node status not published; republished on reconnect');
    });
  }

  private emitEvent(e: LifecycleEvent): void {
    const { config, link, topics } = this.deps;
    const event: NodeEvent = { protocol: PROTOCOL_VERSION, node: config.node, time: new Date(this.deps.clock.wall()).toISOString(), ...e };
    // Events are best effort and never awaited; the pod status carries the lasting truth.
    link.publish(topics.nodeEvents(config.node), encodePayload(event), { retain: false }).catch((error: unknown) => {
      this.deps.log.debug({ reason: describe(error) }, 'event not published');
    });
  }
}
