import Docker from 'dockerode';
import { Readable, type Duplex } from 'node:stream';
import { containerCreateBody } from './docker-create-body.js';
import { runExec } from './docker-exec.js';
import { ENGINE_READ_TIMEOUT_MS, withDeadline } from './engine-deadline.js';
import { keepWatching } from './event-watch.js';
import { readJsonLines } from './json-lines.js';
import { foldPullMessage, isReportDue, summarizePull, type PullLayers } from './pull-progress.js';
import {
  ContainerCreateError,
  ContainerStartError,
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
 * The ContainerRuntime over the Docker Engine API, through dockerode: the one file that
 * imports it (the create body, exec, pull progress and JSON streams are helpers beside it).
 */

/** Turns `--docker-host` (`unix:///var/run/docker.sock`, `tcp://host:2375`) into dockerode options. */
export function dockerOptions(dockerHost: string): Docker.DockerOptions {
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw new Error(`invalid Docker host ${JSON.stringify(dockerHost)}: expected unix:///path/to/docker.sock or tcp://HOST:PORT`);
  }
  if (url.protocol === 'unix:') {
    if (url.pathname === '') throw new Error(`invalid Docker host ${JSON.stringify(dockerHost)}: no socket path`);
    return { socketPath: url.pathname };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    return { protocol: 'http', host: url.hostname, port: url.port === '' ? 2375 : Number(url.port) };
  }
  throw new Error(`invalid Docker host ${JSON.stringify(dockerHost)}: the scheme must be unix:// or tcp://`);
}

const UNSET_TIME = '0001-01-01T00:00:00Z';

function statusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  const code = (error as { statusCode: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

function time(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value.startsWith(UNSET_TIME.slice(0, 4)) ? undefined : value;
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly readTimeoutMs: number;

  /**
   * No I/O: dockerode connects on the first call. Reads (lists, the version) fail with
   * EngineTimeoutError after `readTimeoutMs`; streams, pulls, execs and changes have
   * their own ends.
   */
  constructor(dockerHost: string, options: { readonly readTimeoutMs?: number } = {}) {
    this.docker = new Docker(dockerOptions(dockerHost));
    this.readTimeoutMs = options.readTimeoutMs ?? ENGINE_READ_TIMEOUT_MS;
  }

  listContainers(label: { key: string; value: string }): Promise<ActualContainer[]> {
    // One deadline for the list and the inspects behind it: the agent's pass waits on all of them.
    return withDeadline('a container list', this.readTimeoutMs, async (abortSignal) => {
      const listed = await this.docker.listContainers({ all: true, filters: { label: [`${label.key}=${label.value}`] }, abortSignal });
      const inspected = await Promise.all(listed.map((c) => this.inspect(c.Id, abortSignal)));
      return inspected.filter((c): c is ActualContainer => c !== undefined);
    });
  }

  private async inspect(id: string, abortSignal: AbortSignal): Promise<ActualContainer | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect({ abortSignal });
    } catch (error) {
      if (statusCode(error) === 404) return undefined; // removed since it was listed
      throw error;
    }
    const state = info.State;
    const networks = Object.values(info.NetworkSettings.Networks ?? {});
    const ip = networks.find((n) => n.IPAddress)?.IPAddress;
    const startedAt = time(state.StartedAt);
    const finishedAt = time(state.FinishedAt);
    const status = state.Status as ContainerStateName;
    const hasExited = status === 'exited' || status === 'dead';
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      labels: info.Config.Labels ?? {},
      image: info.Config.Image,
      imageId: info.Image,
      state: status,
      createdAt: info.Created,
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finishedAt !== undefined && hasExited ? { finishedAt } : {}),
      ...(hasExited ? { exitCode: state.ExitCode } : {}),
      ...(state.OOMKilled ? { oomKilled: true } : {}),
      ...(state.Error ? { error: state.Error } : {}),
      ...(ip && state.Running ? { ip } : {}),
    };
  }

  async inspectImage(image: string): Promise<{ id: string } | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return { id: info.Id };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async pullImage(image: string, options: { readonly signal?: AbortSignal; readonly onProgress?: (progress: PullProgress) => void } = {}): Promise<void> {
    const { signal, onProgress } = options;
    let layers: PullLayers = {};
    let failure: string | undefined;
    let lastReportMs: number | undefined;
    let lastReport: PullProgress | undefined;
    const report = (progress: PullProgress): void => {
      lastReportMs = Date.now();
      lastReport = progress;
      onProgress?.(progress);
    };
    try {
      const stream = (await this.docker.pull(image, signal ? { abortSignal: signal } : {})) as Readable;
      await readJsonLines(stream, (message) => {
        failure ??= engineError(message);
        layers = foldPullMessage(layers, message);
        const progress = summarizePull(layers);
        if (onProgress && progress.layers > 0 && !isSameProgress(progress, lastReport) && isReportDue(lastReportMs, Date.now())) report(progress);
      }, signal);
      signal?.throwIfAborted();
      // The engine reports a failure inside the progress stream, not as an HTTP error.
      if (failure !== undefined) throw new Error(failure);
      if (onProgress) report(summarizePull(layers));
    } catch (error) {
      throw new ImagePullError(image, { cause: error });
    }
  }

  async importImage(rootfsTar: Buffer, image: string, labels: Readonly<Record<string, string>>): Promise<void> {
    const { repo, tag } = splitReference(image);
    const changes = Object.entries(labels).map(([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`);
    const stream = (await this.docker.importImage(Readable.from([rootfsTar]), { repo, tag, changes })) as Readable;
    // The image exists once the engine has answered to the end; a failure comes inside the answer.
    let failure: string | undefined;
    await readJsonLines(stream, (message) => (failure ??= engineError(message)));
    if (failure !== undefined) throw new Error(`failed to import image ${JSON.stringify(image)}: ${failure}`);
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    if (spec.network?.mode === 'container' && spec.ports.length > 0) {
      throw new ContainerCreateError(spec.name, { cause: new Error('a container on another container\'s network cannot publish ports') });
    }
    try {
      const container = await this.docker.createContainer(containerCreateBody(spec));
      return container.id;
    } catch (error) {
      if (statusCode(error) !== 409) throw new ContainerCreateError(spec.name, { cause: error });
    }
    // The name is taken: by this very container if an earlier create succeeded unseen.
    const existing = await this.docker.getContainer(spec.name).inspect();
    if (hasLabels(existing.Config.Labels ?? {}, spec.labels)) return existing.Id;
    throw new NameConflictError(spec.name, existing.Id);
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (error) {
      if (statusCode(error) === 304) return; // already running
      throw new ContainerStartError(id, { cause: error });
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (error) {
      const code = statusCode(error);
      if (code === 304 || code === 404) return; // already stopped, already gone
      throw error;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (error) {
      const code = statusCode(error);
      if (code === 404 || code === 409) return; // already gone, or being removed already
      throw error;
    }
  }

  watchEvents(label: { key: string; value: string }, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal, onWatch?: (state: WatchState) => void): void {
    const open = async (openSignal: AbortSignal): Promise<{ ended: Promise<void> }> => {
      // Resolves when the engine has answered the subscription, before any event.
      const stream = (await this.docker.getEvents({
        filters: { type: ['container'], label: [`${label.key}=${label.value}`] },
        abortSignal: openSignal,
      })) as Readable;
      return { ended: readJsonLines(stream, (message) => onEvent(runtimeEvent(message)), openSignal) };
    };
    void keepWatching(open, { signal, ...(onWatch ? { onWatch } : {}) });
  }

  exec(id: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    return runExec(
      id,
      async (signal) => {
        const exec = await this.docker.getContainer(id).exec({ Cmd: [...command], AttachStdout: true, AttachStderr: true, abortSignal: signal });
        return {
          start: async (startSignal) => (await exec.start({ hijack: true, stdin: false, abortSignal: startSignal })) as Duplex,
          inspect: () => exec.inspect(),
        };
      },
      timeoutMs,
    );
  }

  listVolumes(label: { key: string; value: string }): Promise<ActualVolume[]> {
    return withDeadline('a volume list', this.readTimeoutMs, async (abortSignal) => {
      const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${label.key}=${label.value}`] }, abortSignal });
      return (Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
    });
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (error) {
      const code = statusCode(error);
      if (code === 404) return; // already gone
      if (code === 409) throw new VolumeInUseError(name);
      throw error;
    }
  }

  version(): Promise<string> {
    // dockerode's typings take no signal here: the deadline races the call instead.
    return withDeadline('its version', this.readTimeoutMs, async () => `docker://${(await this.docker.version()).Version}`);
  }
}

/** The `error` field of an engine progress message, if it is one. */
function engineError(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const error = (message as { error?: unknown }).error;
  return typeof error === 'string' ? error : undefined;
}

function isSameProgress(a: PullProgress, b: PullProgress | undefined): boolean {
  return b !== undefined && a.layers === b.layers && a.layersDone === b.layersDone && a.downloadedBytes === b.downloadedBytes && a.totalBytes === b.totalBytes;
}

function runtimeEvent(message: unknown): RuntimeEvent {
  const event = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; Action?: unknown; status?: unknown };
  const containerId = typeof event.id === 'string' ? event.id : '';
  const action = typeof event.Action === 'string' ? event.Action : typeof event.status === 'string' ? event.status : '';
  return { containerId, action };
}

/** `registry:5000/name:tag` -> repo `registry:5000/name`, tag `tag` (`latest` when absent). */
function splitReference(image: string): { repo: string; tag: string } {
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { repo: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repo: image, tag: 'latest' };
}
