/**
 * The port between the agent and a container engine. The agent sees containers only
 * through this interface: the Docker adapter implements it for real, the fake beside it
 * for unit tests, and one contract suite (runtime-contract.ts) holds both to the same
 * behaviour.
 *
 * Every mutating call is idempotent, so the executor can repeat a step after a crash or
 * a lost reply: starting a running container, stopping a stopped one and removing a gone
 * one succeed; creating a container whose name is taken by an identical container (same
 * labels) returns that container.
 */

/** Docker's container states; `removing` and `dead` are on their way out. */
export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container as the engine reports it. Times are RFC 3339 strings; absent when unset. */
export interface ActualContainer {
  /** The engine's full container ID. */
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The image reference the container was created from, as given at create time. */
  readonly image: string;
  /** The image's content ID (`sha256:...`). */
  readonly imageId: string;
  readonly state: ContainerStateName;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Set once the container has exited. */
  readonly exitCode?: number;
  /** True if the kernel killed it for exceeding its memory limit. */
  readonly oomKilled?: boolean;
  /** The engine's last error for this container (a failed start), if any. */
  readonly error?: string;
  /** Its address on the engine's network, while running. */
  readonly ip?: string;
}

export interface PortMapping {
  readonly containerPort: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly hostPort?: number;
  /** The host address to publish on; all addresses when absent. */
  readonly hostIP?: string;
}

/** Everything needed to create one container. */
export interface ContainerCreateSpec {
  /** Unique on the engine; a deterministic name makes a repeated create detectable. */
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Replaces the image's entrypoint (Kubernetes `command`). */
  readonly command?: readonly string[];
  /** Replaces the image's default arguments (Kubernetes `args`). */
  readonly args?: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly workingDir?: string;
  readonly hostname?: string;
  readonly ports: readonly PortMapping[];
  /** CPU limit in billionths of a core. */
  readonly nanoCpus?: number;
  /** Memory limit in bytes. */
  readonly memoryBytes?: number;
}

/** A change on the engine that may concern the agent; it only wakes the reconcile loop. */
export interface RuntimeEvent {
  readonly containerId: string;
  /** The engine's action name: `start`, `die`, `destroy`, ... */
  readonly action: string;
}

export interface ContainerRuntime {
  /** Every container carrying the label `key=value`, running or not. */
  listContainers(label: { readonly key: string; readonly value: string }): Promise<ActualContainer[]>;
  /** The image's content ID if the image is present on the engine, else undefined. */
  inspectImage(image: string): Promise<{ id: string } | undefined>;
  /** Pulls an image; rejects with ImagePullError. */
  pullImage(image: string, signal?: AbortSignal): Promise<void>;
  /** Creates (does not start) a container and returns its ID; see NameConflictError. */
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  /** Starts a container; already running is success. Rejects with ContainerStartError. */
  startContainer(id: string): Promise<void>;
  /** Sends SIGTERM, then SIGKILL after `graceSeconds`; already stopped or gone is success. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Removes a container (killing it if still running); already gone is success. */
  removeContainer(id: string): Promise<void>;
  /**
   * Calls `onEvent` for container events on containers carrying the label, until
   * `signal` aborts. Reconnects by itself after the engine goes away.
   */
  watchEvents(label: { readonly key: string; readonly value: string }, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): void;
  /** The engine's name and version, as Kubernetes reports it: `docker://24.0.7`. */
  version(): Promise<string>;
}

/** The image could not be pulled (not found, registry unreachable, no credentials). */
export class ImagePullError extends Error {
  override name = 'ImagePullError';
  constructor(readonly image: string, options: { cause: unknown }) {
    super(`failed to pull image ${JSON.stringify(image)}: ${describe(options.cause)}`, options);
  }
}

/** The name is taken by a container that is not the one asked for (other labels). */
export class NameConflictError extends Error {
  override name = 'NameConflictError';
  constructor(readonly containerName: string, readonly existingId: string) {
    super(`container name ${JSON.stringify(containerName)} is taken by a different container ${existingId.slice(0, 12)}`);
  }
}

/** The engine refused to create a container (bad image, bad config). */
export class ContainerCreateError extends Error {
  override name = 'ContainerCreateError';
  constructor(readonly containerName: string, options: { cause: unknown }) {
    super(`failed to create container ${JSON.stringify(containerName)}: ${describe(options.cause)}`, options);
  }
}

/** The engine refused to start a container (port in use, bad command). */
export class ContainerStartError extends Error {
  override name = 'ContainerStartError';
  constructor(readonly containerId: string, options: { cause: unknown }) {
    super(`failed to start container ${containerId.slice(0, 12)}: ${describe(options.cause)}`, options);
  }
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  return String(cause);
}

/**
 * True if `actual` carries every label of `wanted` with the same value; tells an
 * identical container from a different one. A subset check, because a container also
 * inherits its image's labels.
 */
export function hasLabels(actual: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => actual[k] === v);
}
