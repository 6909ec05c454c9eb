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

/** How a container gets its network. */
export type NetworkMode =
  /** Its own namespace on the engine's default bridge. */
  | { readonly mode: 'bridge' }
  /** The node's own network namespace (Kubernetes `hostNetwork`). */
  | { readonly mode: 'host' }
  /** The namespace of another container (the pod's sandbox): they reach each other on localhost. */
  | { readonly mode: 'container'; readonly id: string };

/** A filesystem mounted into a container. */
export type Mount =
  /**
   * A named volume on the engine, created on first use with `labels` (so the agent can
   * find and remove it when its pod is gone) and shared by every container that mounts it.
   * `tmpfsBytes` puts it in memory (emptyDir medium Memory), of at most that size when > 0.
   */
  | { readonly type: 'volume'; readonly name: string; readonly target: string; readonly readOnly: boolean; readonly labels: Readonly<Record<string, string>>; readonly tmpfsBytes?: number }
  /** A path on the node (hostPath); it must exist. */
  | { readonly type: 'bind'; readonly source: string; readonly target: string; readonly readOnly: boolean };

/** A device node of the host made available in the container (GPIO, I2C, serial). */
export interface DeviceMapping {
  readonly pathOnHost: string;
  readonly pathInContainer: string;
  /** `r` for read-only, `rw` otherwise (Docker's cgroup permissions). */
  readonly permissions: 'r' | 'rw';
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
  /** Not allowed (and not needed) with a `container` or `host` network: the hostname is the namespace owner's. */
  readonly hostname?: string;
  /** Published on the container's own network namespace; must be empty with a `container` network. */
  readonly ports: readonly PortMapping[];
  /** Absent means `bridge`. */
  readonly network?: NetworkMode;
  /** Shares the IPC namespace of this container (the pod's sandbox), as Kubernetes pods do. */
  readonly ipcContainerId?: string;
  /**
   * Lets other containers join this one's IPC namespace with `ipcContainerId` (the pod's
   * sandbox sets it); the engine refuses to create a container joining one that did not.
   */
  readonly shareableIpc?: boolean;
  readonly mounts?: readonly Mount[];
  readonly devices?: readonly DeviceMapping[];
  readonly privileged?: boolean;
  /**
   * The signal that stops it, whoever stops it: the agent, or the engine itself as it
   * shuts down or, without live-restore, comes back from a crash. SIGTERM when absent.
   */
  readonly stopSignal?: string;
  /** CPU limit in billionths of a core. */
  readonly nanoCpus?: number;
  /** Memory limit in bytes; swap is not allowed beyond it (Kubernetes runs without swap). */
  readonly memoryBytes?: number;
}

/** How far a pull has come, summed over the image's layers. */
export interface PullProgress {
  /** Layers known so far, and those fully downloaded (or already present). */
  readonly layers: number;
  readonly layersDone: number;
  /** Bytes downloaded and to download, over the layers whose size is known. */
  readonly downloadedBytes: number;
  readonly totalBytes: number;
}

/** What a command run inside a container (an exec probe) ended with. */
export interface ExecResult {
  readonly exitCode: number;
  /** Its output (stdout and stderr), cut to a few kilobytes. */
  readonly output: string;
}

/** A named volume the agent created, as the engine reports it. */
export interface ActualVolume {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A change on the engine that may concern the agent; it only wakes the reconcile loop. */
export interface RuntimeEvent {
  readonly containerId: string;
  /** The engine's action name: `start`, `die`, `destroy`, ... */
  readonly action: string;
}

/**
 * What an event watch says about itself. `watching`: the engine accepted the
 * subscription; events before it may have been missed, so look at everything again.
 * `lost`: the stream ended or could not be opened (the engine is away, or restarting);
 * the watch tries again in `retryInMs`, the `failures`-th try in a row.
 */
export type WatchState =
  | { readonly state: 'watching' }
  | { readonly state: 'lost'; readonly reason: string; readonly retryInMs: number; readonly failures: number };

export interface ContainerRuntime {
  /** Every container carrying the label `key=value`, running or not. */
  listContainers(label: { readonly key: string; readonly value: string }): Promise<ActualContainer[]>;
  /** The image's content ID if the image is present on the engine, else undefined. */
  inspectImage(image: string): Promise<{ id: string } | undefined>;
  /**
   * Pulls an image; rejects with ImagePullError. `onProgress` is called as layers download
   * (at most a few times a second). Aborting `signal` ends the pull and rejects.
   */
  pullImage(image: string, options?: { readonly signal?: AbortSignal; readonly onProgress?: (progress: PullProgress) => void }): Promise<void>;
  /** Creates an image from a root filesystem tarball (`docker import`); a present image of that name is replaced. */
  importImage(rootfsTar: Buffer, image: string, labels: Readonly<Record<string, string>>): Promise<void>;
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
   * `signal` aborts. Subscribes again by itself, with back-off, after the engine goes
   * away, telling `onWatch` each time the subscription is lost and each time it is in
   * place again.
   */
  watchEvents(
    label: { readonly key: string; readonly value: string },
    onEvent: (event: RuntimeEvent) => void,
    signal: AbortSignal,
    onWatch?: (state: WatchState) => void,
  ): void;
  /**
   * Runs `command` in a running container and resolves with its exit code. After
   * `timeoutMs` it rejects with ExecTimeoutError, having killed the command where the
   * engine allows it, so a hung probe ends for real. Rejects with ExecError if the
   * engine refuses to run it (container not running or gone); a binary missing in the
   * container is a result, as the engine reports it (exit code 126 or 127).
   */
  exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult>;
  /** Every volume carrying the label `key=value`. */
  listVolumes(label: { readonly key: string; readonly value: string }): Promise<ActualVolume[]>;
  /** Removes a volume; already gone is success. Rejects with VolumeInUseError while a container uses it. */
  removeVolume(name: string): Promise<void>;
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

/** The engine did not answer in time: frozen, overloaded, or busy restoring its containers after a crash. */
export class EngineTimeoutError extends Error {
  override name = 'EngineTimeoutError';
  constructor(readonly call: string, readonly timeoutMs: number) {
    super(`the engine did not answer ${call} within ${timeoutMs / 1000}s`);
  }
}

/** A command run in a container (exec probe) did not finish in time. */
export class ExecTimeoutError extends Error {
  override name = 'ExecTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`command timed out after ${timeoutMs / 1000}s`);
  }
}

/** A command could not be run in a container at all. */
export class ExecError extends Error {
  override name = 'ExecError';
  constructor(readonly containerId: string, options: { cause: unknown }) {
    super(`failed to run a command in container ${containerId.slice(0, 12)}: ${describe(options.cause)}`, options);
  }
}

/** A volume cannot be removed while a container still uses it; try again once that one is gone. */
export class VolumeInUseError extends Error {
  override name = 'VolumeInUseError';
  constructor(readonly volumeName: string) {
    super(`volume ${JSON.stringify(volumeName)} is in use`);
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
