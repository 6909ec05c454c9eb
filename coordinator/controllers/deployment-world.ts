import { podTemplateHash } from '../pod-names.js';
import type { StoredDeployment, StoredPod } from '../state.js';
import { testEntropy } from '../test-fixtures.js';
import { hasTemplateHash, reconcileDeployment } from './deployment.js';
import type { ControllerResult, PodAvailability } from './owned.js';
import { fenceposts } from './rolling-update.js';

/**
 * Test support for the Deployment controller's unit tests: a fleet simulated pass by
 * pass, so a test can run the controller until it converges and check its bounds after
 * every pass. Plain data, no I/O.
 *
 * Each pass: the controller decides from the pods' availability as of the pass; its
 * deletions and creations are applied (the store forgets a deleted pod at once, its
 * node keeps it `terminating` for `stopPasses` passes); unbound pods are bound to the
 * online node holding the fewest pods of the Deployment; then time moves on one pass.
 * A bound pod reports Ready `readyAfter` passes after it was bound, unless its
 * template is marked bad. A node that comes back has its pods `unknown` for
 * `reportAfter` passes (it has not reported them again yet).
 */

export type NodeState = 'online' | 'offline' | 'lost';

export interface PassRecord {
  pass: number;
  /** The Deployment's bounds as of the pass. */
  replicas: number;
  maxSurge: number;
  minAvailable: number;
  result: ControllerResult;
  /** Counted (not lost) pods before the pass, and how many of them were ready. */
  countedBefore: number;
  readyBefore: number;
  /** Ready counted pods once the pass's deletions are applied (creations are never ready). */
  readyKept: number;
  /** Counted pods once the pass's deletions and creations are applied. */
  countedAfter: number;
}

export class DeploymentWorld {
  readonly pods = new Map<string, StoredPod>();
  readonly nodes = new Map<string, NodeState>();
  readonly badHashes = new Set<string>();
  readonly readyAfter: number;
  readonly reportAfter: number;
  readonly stopPasses: number;
  readonly history: PassRecord[] = [];
  private readonly entropy = testEntropy();
  private readonly boundAt = new Map<string, number>();
  private readonly reportingFrom = new Map<string, number>();
  /** Deleted pod name -> the pass from which its node no longer runs it. */
  private readonly stopping = new Map<string, number>();
  pass = 0;

  constructor(
    public deployment: StoredDeployment,
    nodeNames: string[],
    options: { readyAfter?: number; reportAfter?: number; stopPasses?: number } = {},
  ) {
    for (const name of nodeNames) this.nodes.set(name, 'online');
    this.readyAfter = options.readyAfter ?? 1;
    this.reportAfter = options.reportAfter ?? 1;
    this.stopPasses = options.stopPasses ?? 1;
  }

  get hash(): string {
    return podTemplateHash(this.deployment.spec.template);
  }

  /** Marks the current template as one whose pods never become Ready (a bad image). */
  markBad(): void {
    this.badHashes.add(this.hash);
  }

  setNode(name: string, state: NodeState): void {
    const was = this.nodes.get(name);
    this.nodes.set(name, state);
    if (state === 'online' && was !== 'online') this.reportingFrom.set(name, this.pass + this.reportAfter);
  }

  availability = (pod: StoredPod): PodAvailability => {
    if (pod.nodeName === undefined) return 'notReady';
    const node = this.nodes.get(pod.nodeName);
    if (node === 'lost') return 'lost';
    if (node !== 'online' || this.pass < (this.reportingFrom.get(pod.nodeName) ?? 0)) return 'unknown';
    const bound = this.boundAt.get(pod.metadata.name) ?? this.pass;
    const bad = [...this.badHashes].some((h) => hasTemplateHash(pod, h));
    return !bad && this.pass >= bound + this.readyAfter ? 'ready' : 'notReady';
  };

  terminating(): number {
    return [...this.stopping.values()].filter((until) => this.pass < until).length;
  }

  all(): StoredPod[] {
    return [...this.pods.values()];
  }

  counted(): StoredPod[] {
    return this.all().filter((p) => this.availability(p) !== 'lost');
  }

  /** Counted pods with the given availability. */
  withAvailability(availability: PodAvailability): StoredPod[] {
    return this.all().filter((p) => this.availability(p) === availability);
  }

  current(): StoredPod[] {
    return this.counted().filter((p) => hasTemplateHash(p, this.hash));
  }

  old(): StoredPod[] {
    return this.counted().filter((p) => !hasTemplateHash(p, this.hash));
  }

  /** A rolling update's bounds; Recreate promises no availability while it updates. */
  bounds(): { maxSurge: number; minAvailable: number } {
    const { replicas, strategy } = this.deployment.spec;
    if (strategy.type === 'Recreate') return { maxSurge: 0, minAvailable: 0 };
    const { maxSurge, maxUnavailable } = fenceposts(strategy, replicas);
    return { maxSurge, minAvailable: replicas - maxUnavailable };
  }

  /** One control-loop pass, then time moves on; returns what the pass saw and did. */
  step(): PassRecord {
    const pods = this.all();
    const isReady = (p: StoredPod): boolean => this.availability(p) === 'ready';
    const countedBefore = this.counted().length;
    const readyBefore = this.counted().filter(isReady).length;
    const result = reconcileDeployment({
      deployment: this.deployment,
      pods,
      terminating: this.terminating(),
      availability: this.availability,
      takenNames: new Set(this.pods.keys()),
      entropy: this.entropy,
    });
    for (const name of result.delete) {
      if (this.pods.get(name)?.nodeName !== undefined) this.stopping.set(name, this.pass + this.stopPasses);
      this.pods.delete(name);
    }
    const readyKept = this.counted().filter(isReady).length;
    for (const pod of result.create) this.pods.set(pod.metadata.name, pod);
    const countedAfter = this.counted().length;
    this.bindPending();
    const record: PassRecord = { pass: this.pass, replicas: this.deployment.spec.replicas, ...this.bounds(), result, countedBefore, readyBefore, readyKept, countedAfter };
    this.history.push(record);
    this.pass++;
    return record;
  }

  /**
   * Steps until a pass changes nothing and nothing is left to change by itself (no pod
   * about to become Ready or report again, none terminating); returns how many passes
   * that took, the idle one included, or throws.
   */
  converge(limit = 50): number {
    for (let i = 1; i <= limit; i++) {
      const quiet = this.isQuiet();
      const { result } = this.step();
      if (quiet && result.create.length === 0 && result.delete.length === 0) return i;
    }
    throw new Error(`no convergence in ${limit} passes`);
  }

  private isQuiet(): boolean {
    if (this.terminating() > 0) return false;
    return this.all().every((pod) => {
      const availability = this.availability(pod);
      if (pod.nodeName === undefined) return false;
      if (availability === 'unknown') return this.nodes.get(pod.nodeName) !== 'online';
      const bad = [...this.badHashes].some((h) => hasTemplateHash(pod, h));
      return availability !== 'notReady' || bad;
    });
  }

  private bindPending(): void {
    const online = [...this.nodes].filter(([, state]) => state === 'online').map(([name]) => name);
    for (const pod of this.all().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      if (pod.nodeName !== undefined || online.length === 0) continue;
      const load = (node: string): number => this.all().filter((p) => p.nodeName === node).length;
      const target = [...online].sort((a, b) => load(a) - load(b) || a.localeCompare(b))[0]!;
      this.pods.set(pod.metadata.name, { ...pod, nodeName: target });
      this.boundAt.set(pod.metadata.name, this.pass);
    }
  }
}
