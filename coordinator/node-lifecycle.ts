import type { Logger } from '../protocol/log.js';
import { goDuration } from './eviction.js';
import { advanceClocks, advanceNode, noClocks, type NodeClocks, type NodeTransition } from './node-clocks.js';
import { checkOverdue, overdueAt } from './node-liveness.js';
import type { ObservedState } from './observed.js';
import type { PodAvailability } from './controllers/owned.js';
import { podAvailability } from './pod-availability.js';
import { nodeViews, type Lifecycle, type ReconcileResult } from './reconcile.js';
import type { CoordinatorState, StoredPod } from './state.js';
import { deletedPods, pruneDeleted, terminatingByOwner, type DeletedPod, type TerminatingView } from './terminating.js';

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface NodeLifecycleDeps {
  observed: ObservedState;
  log: Logger;
  /** Monotonic ms (performance.now): what liveness and evictions are timed on. */
  monotonicMs: () => number;
  /** Wall-clock RFC 3339 time, for the conditions of an overdue node. */
  now: () => string;
  isConnected: () => boolean;
  /** Every node in the store: one never heard since start falls overdue too. */
  storedNodes: () => Iterable<string>;
  /** Wakes the control loop. */
  wake: () => void;
  /** `--eviction-timeout`. */
  evictionTimeoutMs: number;
  /** `--node-grace`. */
  nodeGraceMs: number;
}

/**
 * The coordinator's node lifecycle, the shell around the pure parts (node-liveness,
 * node-clocks, pod-availability, terminating): it holds overdue nodes offline, keeps
 * the clocks and the deleted pods, hands each control-loop pass its `Lifecycle`, logs
 * each transition once, and wakes the loop when a deadline passes. One timer, set to
 * the earliest deadline known (a status falling overdue, an eviction, a node's deleted
 * pods given up on), and none while nothing is pending. In memory only.
 */
export class NodeLifecycle {
  private clocks: NodeClocks = noClocks;
  private deleted: DeletedPod[] = [];
  /** Pod uid -> since when this coordinator has seen it bound (a pod's tolerationSeconds count from then at the earliest). */
  private boundSince = new Map<string, number>();
  /** Pods the last pass judged lost, so each eviction is logged once. */
  private lostPods = new Set<string>();
  /** When the coordinator last (re)connected to the broker; undefined while it may not be hearing anything. */
  private listeningSinceMs: number | undefined;
  /** When the last pass's decisions change with time alone (its result's wakeAtMs, or a terminating count). */
  private passWakeAtMs: number | undefined;
  private terminatingChangesAtMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs: number | undefined;
  private stopped = false;

  constructor(private readonly deps: NodeLifecycleDeps) {}

  /** Statuses could not be heard while away from the broker: every node gets its grace again from now. */
  connected(): void {
    this.listeningSinceMs = this.deps.monotonicMs();
    this.wakeAt(this.listeningSinceMs + this.deps.nodeGraceMs);
  }

  /** Nothing can be heard now, so no status falls overdue until the next connect. */
  disconnected(): void {
    this.listeningSinceMs = undefined;
  }

  /** After a node's status was recorded or cleared: the clocks move, and an online node's grace starts again. */
  nodeStatusChanged(node: string): void {
    const { observed, nodeGraceMs } = this.deps;
    const { clocks, transitions } = advanceNode(this.clocks, node, observed.nodeStatuses.get(node), this.deps.monotonicMs());
    this.clocks = clocks;
    this.logTransitions(transitions);
    if (observed.nodeStatuses.get(node)?.state === 'online' && this.listeningSinceMs !== undefined) {
      this.wakeAt(overdueAt(observed.lastHeardMs(node), this.listeningSinceMs, nodeGraceMs));
    }
  }

  /** What the pass about to run needs to know of time and of nodes coming and going. */
  beforePass(): Lifecycle {
    const nowMs = this.deps.monotonicMs();
    this.advance(nowMs);
    const view = this.terminatingView(nowMs);
    this.deleted = pruneDeleted(this.deleted, view);
    const terminating = terminatingByOwner(this.deleted, view);
    this.terminatingChangesAtMs = terminating.changesAtMs;
    return {
      nowMs,
      evictionTimeoutMs: this.deps.evictionTimeoutMs,
      clocks: this.clocks,
      currentPodStatus: (uid) => this.deps.observed.currentPodStatus(uid),
      isHeardLive: (node) => this.deps.observed.isHeardLive(node),
      podBoundSince: (uid) => this.boundSince.get(uid),
      terminating: terminating.counts,
    };
  }

  /** After a pass was committed (`before` is the state it replaced): remembers deleted pods, logs evictions, sets the next wake. */
  afterPass(before: CoordinatorState, result: ReconcileResult): void {
    const nowMs = this.deps.monotonicMs();
    const bound = new Map<string, number>();
    for (const pod of Object.values(result.state.pods)) {
      if (pod.nodeName !== undefined) bound.set(pod.metadata.uid, this.boundSince.get(pod.metadata.uid) ?? nowMs);
    }
    this.boundSince = bound;
    this.deleted.push(...deletedPods(before.pods, result.state.pods, result.state.nodes, nowMs, this.deps.evictionTimeoutMs));
    for (const [pod, lost] of result.lost) {
      if (this.lostPods.has(pod)) continue;
      this.deps.log.warn({ pod, node: lost.node, reason: lost.reason }, `pod evicted from node ${lost.node}: ${lost.message}; its Deployment replaces it elsewhere`);
    }
    this.lostPods = new Set(result.lost.keys());
    const wakes = [result.wakeAtMs, this.terminatingChangesAtMs].filter((t) => t !== undefined);
    this.passWakeAtMs = wakes.length === 0 ? undefined : Math.min(...wakes);
    if (this.passWakeAtMs !== undefined) this.wakeAt(this.passWakeAtMs);
  }

  /** How the control loop sees each pod of `state` as of now: for the replies to `list` (a Deployment's ready and available counts). */
  availabilityNow(state: CoordinatorState): (pod: StoredPod) => PodAvailability {
    const { observed, evictionTimeoutMs, monotonicMs } = this.deps;
    const context = {
      nodes: new Map(nodeViews(state, observed).map((v) => [v.name, v])),
      clocks: this.clocks,
      nowMs: monotonicMs(),
      evictionTimeoutMs,
      currentPodStatus: (uid: string) => observed.currentPodStatus(uid),
      isHeardLive: (node: string) => observed.isHeardLive(node),
      podBoundSince: (uid: string) => this.boundSince.get(uid),
    };
    // Asked several times per pod (a rollout snapshot counts ready, available and updated
    // pods): each pod's verdict is worked out once per call of availabilityNow.
    const seen = new Map<StoredPod, PodAvailability>();
    return (pod) => {
      let availability = seen.get(pod);
      if (availability === undefined) seen.set(pod, (availability = podAvailability(pod, context).availability));
      return availability;
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private terminatingView(nowMs: number): TerminatingView {
    const { observed, evictionTimeoutMs } = this.deps;
    return {
      podStatus: (uid) => observed.podStatus(uid),
      appliedGeneration: (node) => observed.nodeStatuses.get(node)?.observedGeneration,
      goneNodes: observed.goneNodes,
      clocks: this.clocks,
      nowMs,
      evictionTimeoutMs,
    };
  }

  /** Brings every node's clocks up to date with the statuses held; logs each node going NotReady or Ready again, once. */
  private advance(nowMs: number): void {
    const { clocks, transitions } = advanceClocks(this.clocks, this.deps.observed.nodeStatuses, nowMs);
    this.clocks = clocks;
    this.logTransitions(transitions);
  }

  private logTransitions(transitions: readonly NodeTransition[]): void {
    for (const t of transitions) {
      if (t.to === 'NotReady') this.deps.log.warn({ node: t.node, reason: t.reason }, `node NotReady: ${t.message}`);
      else this.deps.log.info({ node: t.node, reason: 'NodeReady' }, `node Ready again, after ${goDuration(t.notReadyForMs)} NotReady`);
    }
  }

  /** Makes sure the timer fires by `atMs` (it may fire early: it then sets itself again). */
  private wakeAt(atMs: number): void {
    if (this.stopped || (this.timerAtMs !== undefined && this.timerAtMs <= atMs)) return;
    clearTimeout(this.timer);
    this.timerAtMs = atMs;
    // setTimeout takes at most 2^31-1 ms and fires at once beyond it: a far deadline (a
    // toleration of 30 days) is reached in steps instead.
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(atMs - this.deps.monotonicMs())));
    this.timer = setTimeout(() => this.onTimer(), delay).unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAtMs = undefined;
    if (this.stopped) return;
    const { observed, monotonicMs, nodeGraceMs, now, isConnected } = this.deps;
    const nowMs = monotonicMs();
    if (!isConnected()) this.listeningSinceMs = undefined;
    const check = checkOverdue(this.watchedNodes(), this.listeningSinceMs, nowMs, nodeGraceMs);
    let wake = false;
    for (const node of check.overdue) wake = observed.markOverdue(node, now()) || wake;
    this.advance(nowMs);
    if (this.passWakeAtMs !== undefined && this.passWakeAtMs <= nowMs) {
      this.passWakeAtMs = undefined; // the pass it wakes sets the next one
      wake = true;
    }
    if (wake) this.deps.wake();
    const next = [check.nextCheckAtMs, this.passWakeAtMs].filter((t) => t !== undefined);
    if (next.length > 0) this.wakeAt(Math.min(...next));
  }

  /** Nodes whose status may fall overdue: those held online, and those in the store not heard since start. */
  private *watchedNodes(): Iterable<readonly [string, number | undefined]> {
    const { observed, storedNodes } = this.deps;
    for (const [node, status] of observed.nodeStatuses) {
      if (status.state === 'online') yield [node, observed.lastHeardMs(node)];
    }
    for (const node of storedNodes()) {
      if (!observed.nodeStatuses.has(node) && !observed.goneNodes.has(node)) yield [node, undefined];
    }
  }
}
