import { randomBytes } from 'node:crypto';
import {
  ContainerCreateError,
  ContainerStartError,
  hasLabels,
  ImagePullError,
  NameConflictError,
  type ActualContainer,
  type ContainerCreateSpec,
  type ContainerRuntime,
  type ContainerStateName,
  type RuntimeEvent,
} from './runtime.js';

/**
 * An in-memory container engine for unit tests of the agent's logic. It keeps the
 * contract of ContainerRuntime (runtime-contract.ts runs against it and against Docker).
 *
 * Containers "run" until stopped, except a container whose command is
 * `sh -c 'exit N'`: it exits with N as soon as it starts, as the real one would.
 * `exit(id, code)` lets a test crash a running container.
 */

interface FakeContainer {
  id: string;
  spec: ContainerCreateSpec;
  imageId: string;
  state: ContainerStateName;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
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

export class FakeRuntime implements ContainerRuntime {
  private readonly images = new Map<string, string>();
  private readonly pullable: Set<string>;
  private readonly containers = new Map<string, FakeContainer>();
  private readonly watchers = new Set<{ key: string; value: string; onEvent: (e: RuntimeEvent) => void }>();
  private readonly now: () => Date;
  private nextIp = 2;
  private stopGate: Promise<void> | undefined;
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

  pullImage(image: string): Promise<void> {
    this.calls.push(`pull ${image}`);
    if (!this.pullable.has(image)) {
      return Promise.reject(new ImagePullError(image, { cause: new Error(`pull access denied for ${image}`) }));
    }
    if (!this.images.has(image)) this.images.set(image, imageId());
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
    this.calls.push(`create ${spec.name}`);
    const container: FakeContainer = { id: fakeId(), spec, imageId, state: 'created', createdAt: this.now().toISOString() };
    this.containers.set(container.id, container);
    this.emit(container, 'create');
    return Promise.resolve(container.id);
  }

  startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new ContainerStartError(id, { cause: new Error(`No such container: ${id}`) }));
    if (c.state === 'running') return Promise.resolve();
    const clash = this.portClash(c);
    if (clash !== undefined) {
      return Promise.reject(new ContainerStartError(id, { cause: new Error(`Bind for 0.0.0.0:${clash} failed: port is already allocated`) }));
    }
    this.calls.push(`start ${id}`);
    c.state = 'running';
    c.startedAt = this.now().toISOString();
    delete c.finishedAt;
    delete c.exitCode;
    c.ip = `172.17.0.${this.nextIp++}`;
    this.emit(c, 'start');
    const exit = c.spec.command?.[0] === 'sh' && c.spec.command[1] === '-c' ? EXIT_COMMAND.exec(c.spec.command[2] ?? '') : null;
    if (exit) this.exit(id, Number(exit[1]));
    return Promise.resolve();
  }

  async stopContainer(id: string): Promise<void> {
    if (this.containers.get(id)?.state !== 'running') return;
    this.calls.push(`stop ${id}`);
    await this.stopGate;
    this.exit(id, 143);
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

  watchEvents(label: { key: string; value: string }, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): void {
    const watcher = { ...label, onEvent };
    this.watchers.add(watcher);
    signal.addEventListener('abort', () => this.watchers.delete(watcher), { once: true });
  }

  version(): Promise<string> {
    return Promise.resolve('fake://1.0.0');
  }

  // ---- test controls ----

  /** Makes a running container exit with `code`, as if its process ended. */
  exit(id: string, code: number): void {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    c.state = 'exited';
    c.exitCode = code;
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

  addImage(image: string): void {
    if (!this.images.has(image)) this.images.set(image, imageId());
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
      labels: { ...c.spec.labels },
      image: c.spec.image,
      imageId: c.imageId,
      state: c.state,
      createdAt: c.createdAt,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.ip !== undefined ? { ip: c.ip } : {}),
    };
  }
}

function fakeId(): string {
  return randomBytes(32).toString('hex');
}

function imageId(): string {
  return `sha256:${fakeId()}`;
}
