import { randomBytes } from 'node:crypto';
import {
  ContainerCreateError,
  ContainerStartError,
  ExecError,
  ExecTimeoutError,
  hasLabels,
  ImagePullError,
  NameConflictError,
  VolumeInUseError,
  type ActualContainer,
  type ActualVolume,
  type ContainerCreateSpec,
  type ContainerRuntime,
  type ContainerStateName,
  type ExecResult,
  type PullProgress,
  type RuntimeEvent,
  type WatchState,
} from './runtime.js';

/**
 * An in-memory container engine for unit tests of the agent's logic. It keeps the
 * contract of ContainerRuntime (runtime-contract.ts runs against it and against Docker).
 *
 * Containers "run" until stopped, except a container whose command is
 * `sh -c 'exit N'`: it exits with N as soon as it starts, as the real one would.
 * `exit(id, code)` lets a test crash a running container.
 *
 * Commands run with `exec` answer as the test's `execHandler` says; without one, a tiny
 * shell answers: `sh -c 'exit N'` exits N, `sleep N` takes N seconds, `echo WORDS`
 * prints them, anything else exits 0. Named volumes appear when a container mounting
 * them is created; nothing runs, so files, networks and devices are only recorded
 * (`specOf`).
 */

/** Answers an exec in place of a real process; may return a promise that never settles. */
export type ExecHandler = (containerId: string, command: readonly string[]) => ExecResult | Promise<ExecResult>;

interface FakeContainer {
  id: string;
  spec: ContainerCreateSpec;
  imageId: string;
  state: ContainerStateName;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  ip?: string;
}

export interface FakeRuntimeOptions {
  /** Images present from the start. */
  images?: readonly string[];
  /** Images a pull can fetch; pulling anything else fails. */
  pullable?: readonly string[];
  now?: () => Date;
}

const EXIT_COMMAND = /^exit (\d+)$/;
/** What a fake pull reports: one layer of this size. */
const FAKE_LAYER_BYTES = 1024;

export class FakeRuntime implements ContainerRuntime {
  private readonly images = new Map<string, string>();
  private readonly pullable: Set<string>;
  private readonly containers = new Map<string, FakeContainer>();
  private readonly volumes = new Map<string, Readonly<Record<string, string>>>();
  private readonly imageLabels = new Map<string, Readonly<Record<string, string>>>();
  private readonly watchers = new Set<{ key: string; value: string; onEvent: (e: RuntimeEvent) => void }>();
  private readonly now: () => Date;
  private nextIp = 2;
  private stopGate: Promise<void> | undefined;
  private pullGate: Promise<void> | undefined;
  /** Answers `exec`; see the class comment for the default. */
  execHandler: ExecHandler = tinyShell;
  /** Every call that changed something, for tests that count work: `start <id>`. */
  readonly calls: string[] = [];

  constructor(options: FakeRuntimeOptions = {}) {
    for (const image of options.images ?? []) this.images.set(image, imageId());
    this.pullable = new Set(options.pullable ?? []);
    this.now = options.now ?? (() => new Date());
  }

  listContainers(label: { key: string; value: string }): Promise<ActualContainer[]> {
    const found = [...this.containers.values()].filter((c) => c.spec.labels[label.key] === label.value);
    return Promise.resolve(found.map((c) => this.toActual(c)));
  }

  inspectImage(image: string): Promise<{ id: string } | undefined> {
    const id = this.images.get(image);
    return Promise.resolve(id === undefined ? undefined : { id });
  }

  async pullImage(image: string, options: { readonly signal?: AbortSignal; readonly onProgress?: (progress: PullProgress) => void } = {}): Promise<void> {
    this.calls.push(`pull ${image}`);
    const fail = (cause: unknown): ImagePullError => new ImagePullError(image, { cause });
    if (options.signal?.aborted) throw fail(options.signal.reason);
    if (this.pullGate) {
      try {
        await abortable(this.pullGate, options.signal);
      } catch (reason) {
        throw fail(reason);
      }
    }
    if (!this.pullable.has(image)) throw fail(new Error(`pull access denied for ${image}`));
    options.onProgress?.({ layers: 1, layersDone: 0, downloadedBytes: 0, totalBytes: FAKE_LAYER_BYTES });
    options.onProgress?.({ layers: 1, layersDone: 1, downloadedBytes: FAKE_LAYER_BYTES, totalBytes: FAKE_LAYER_BYTES });
    if (!this.images.has(image)) this.images.set(image, imageId());
  }

  importImage(_rootfsTar: Buffer, image: string, labels: Readonly<Record<string, string>>): Promise<void> {
    this.calls.push(`import ${image}`);
    this.images.set(image, imageId());
    this.imageLabels.set(image, { ...labels });
    return Promise.resolve();
  }

  createContainer(spec: ContainerCreateSpec): Promise<string> {
    const existing = [...this.containers.values()].find((c) => c.spec.name === spec.name);
    if (existing) {
      if (hasLabels(existing.spec.labels, spec.labels)) return Promise.resolve(existing.id);
      return Promise.reject(new NameConflictError(spec.name, existing.id));
    }
    const imageId = this.images.get(spec.image);
    if (imageId === undefined) {
      return Promise.reject(new ContainerCreateError(spec.name, { cause: new Error(`No such image: ${spec.image}`) }));
    }
    if (spec.network?.mode === 'container' && spec.ports.length > 0) {
      return Promise.reject(new ContainerCreateError(spec.name, { cause: new Error("a container on another container's network cannot publish ports") }));
    }
    this.calls.push(`create ${spec.name}`);
    for (const m of spec.mounts ?? []) {
      if (m.type === 'volume' && !this.volumes.has(m.name)) this.volumes.set(m.name, { ...m.labels });
    }
    const container: FakeContainer = { id: fakeId(), spec, imageId, state: 'created', createdAt: this.now().toISOString() };
    this.containers.set(container.id, container);
    this.emit(container, 'create');
    return Promise.resolve(container.id);
  }

  startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new ContainerStartError(id, { cause: new Error(`No such container: ${id}`) }));
    if (c.state === 'running') return Promise.resolve();
    const refusal = this.startRefusal(c);
    if (refusal !== undefined) return Promise.reject(new ContainerStartError(id, { cause: new Error(refusal) }));
    this.calls.push(`start ${id}`);
    c.state = 'running';
    c.startedAt = this.now().toISOString();
    delete c.finishedAt;
    delete c.exitCode;
    delete c.oomKilled;
    // Only a container on the bridge has an address of its own.
    if ((c.spec.network?.mode ?? 'bridge') === 'bridge') c.ip = `172.17.0.${this.nextIp++}`;
    this.emit(c, 'start');
    const exit = c.spec.command?.[0] === 'sh' && c.spec.command[1] === '-c' ? EXIT_COMMAND.exec(c.spec.command[2] ?? '') : null;
    if (exit) this.exit(id, Number(exit[1]));
    return Promise.resolve();
  }

  async stopContainer(id: string): Promise<void> {
    if (this.containers.get(id)?.state !== 'running') return;
    this.calls.push(`stop ${id}`);
    await this.stopGate;
    // 128 + the signal's number, as the engine reports a container ended by it.
    this.exit(id, this.containers.get(id)?.spec.stopSignal === 'SIGKILL' ? 137 : 143);
  }

  removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return Promise.resolve();
    this.calls.push(`remove ${id}`);
    if (c.state === 'running') this.exit(id, 137);
    this.containers.delete(id);
    this.emit(c, 'destroy');
    return Promise.resolve();
  }

  /** The fake engine never goes away: the watch is in place at once, and says so. */
  watchEvents(label: { key: string; value: string }, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal, onWatch?: (state: WatchState) => void): void {
    const watcher = { ...label, onEvent };
    this.watchers.add(watcher);
    signal.addEventListener('abort', () => this.watchers.delete(watcher), { once: true });
    if (onWatch) queueMicrotask(() => signal.aborted || onWatch({ state: 'watching' }));
  }

  async exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    if (this.containers.get(id)?.state !== 'running') {
      throw new ExecError(id, { cause: new Error(`container ${id} is not running`) });
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExecTimeoutError(timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve(this.execHandler(id, command)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  listVolumes(label: { key: string; value: string }): Promise<ActualVolume[]> {
    const found = [...this.volumes].filter(([, labels]) => labels[label.key] === label.value);
    return Promise.resolve(found.map(([name, labels]) => ({ name, labels: { ...labels } })));
  }

  removeVolume(name: string): Promise<void> {
    if (!this.volumes.has(name)) return Promise.resolve();
    const isInUse = [...this.containers.values()].some((c) => c.spec.mounts?.some((m) => m.type === 'volume' && m.name === name));
    if (isInUse) return Promise.reject(new VolumeInUseError(name));
    this.calls.push(`remove volume ${name}`);
    this.volumes.delete(name);
    return Promise.resolve();
  }

  version(): Promise<string> {
    return Promise.resolve('fake://1.0.0');
  }

  // ---- test controls ----

  /** Makes a running container exit with `code`, as if its process ended (or the kernel killed it for memory). */
  exit(id: string, code: number, options: { oomKilled?: boolean } = {}): void {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    c.state = 'exited';
    c.exitCode = code;
    if (options.oomKilled === true) c.oomKilled = true;
    c.finishedAt = this.now().toISOString();
    delete c.ip;
    this.emit(c, 'die');
  }

  /**
   * Makes stops wait until the returned function is called, as a process that ignores
   * SIGTERM holds a stop for its whole grace period.
   */
  holdStops(): () => void {
    let release: () => void = () => undefined;
    this.stopGate = new Promise((resolve) => (release = resolve));
    return () => {
      this.stopGate = undefined;
      release();
    };
  }

  /** Makes pulls wait (abortably) until the returned function is called, as a slow download would. */
  holdPulls(): () => void {
    let release: () => void = () => undefined;
    this.pullGate = new Promise((resolve) => (release = resolve));
    return () => {
      this.pullGate = undefined;
      release();
    };
  }

  addImage(image: string): void {
    if (!this.images.has(image)) this.images.set(image, imageId());
  }

  /** Lets a later pull of `image` succeed. */
  allowPull(image: string): void {
    this.pullable.add(image);
  }

  /** The spec a container was created with (network, mounts, devices, ...), as the engine would record it. */
  specOf(id: string): ContainerCreateSpec | undefined {
    return this.containers.get(id)?.spec;
  }

  /** The labels an imported image was given. */
  labelsOfImage(image: string): Readonly<Record<string, string>> | undefined {
    return this.imageLabels.get(image);
  }

  /** Why the engine would refuse to start `c`, if it would. */
  private startRefusal(c: FakeContainer): string | undefined {
    const { network, ipcContainerId } = c.spec;
    for (const joined of [network?.mode === 'container' ? network.id : undefined, ipcContainerId]) {
      if (joined !== undefined && this.containers.get(joined)?.state !== 'running') return `cannot join the namespaces of a non running container: ${joined}`;
    }
    if (ipcContainerId !== undefined && this.containers.get(ipcContainerId)?.spec.shareableIpc !== true) {
      return `can't join IPC of container ${ipcContainerId}: non-shareable IPC`;
    }
    const clash = this.portClash(c);
    return clash === undefined ? undefined : `Bind for 0.0.0.0:${clash} failed: port is already allocated`;
  }

  private portClash(c: FakeContainer): number | undefined {
    for (const other of this.containers.values()) {
      if (other === c || other.state !== 'running') continue;
      for (const p of c.spec.ports) {
        if (p.hostPort === undefined) continue;
        if (other.spec.ports.some((o) => o.hostPort === p.hostPort && o.protocol === p.protocol)) return p.hostPort;
      }
    }
    return undefined;
  }

  private emit(c: FakeContainer, action: string): void {
    for (const w of this.watchers) {
      if (c.spec.labels[w.key] === w.value) w.onEvent({ containerId: c.id, action });
    }
  }

  private toActual(c: FakeContainer): ActualContainer {
    return {
      id: c.id,
      name: c.spec.name,
      labels: { ...this.imageLabels.get(c.spec.image), ...c.spec.labels }, // image labels are inherited
      image: c.spec.image,
      imageId: c.imageId,
      state: c.state,
      createdAt: c.createdAt,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.oomKilled === true ? { oomKilled: true } : {}),
      ...(c.ip !== undefined ? { ip: c.ip } : {}),
    };
  }
}

/** The default exec answer: see the class comment. */
async function tinyShell(_id: string, command: readonly string[]): Promise<ExecResult> {
  const [program, ...args] = command;
  const exit = program === 'sh' && args[0] === '-c' ? EXIT_COMMAND.exec(args[1] ?? '') : null;
  if (exit) return { exitCode: Number(exit[1]), output: '' };
  if (program === 'echo') return { exitCode: 0, output: `${args.join(' ')}\n` };
  if (program === 'sleep') await new Promise((resolve) => setTimeout(resolve, Number(args[0] ?? 0) * 1000).unref());
  return { exitCode: 0, output: '' };
}

/** `promise`, or a rejection with the signal's reason when it aborts first. */
function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function fakeId(): string {
  return randomBytes(32).toString('hex');
}

function imageId(): string {
  return `sha256:${fakeId()}`;
}
