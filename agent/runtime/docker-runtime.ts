import Docker from 'dockerode';
import type { Readable } from 'node:stream';
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
 * The ContainerRuntime over the Docker Engine API, through dockerode: the one file that
 * imports it. Containers get no Docker restart policy: the agent restarts them itself,
 * so restart counts and backoff stay its decision.
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
const EVENT_RETRY_MS = 1000;

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

  /** No I/O: dockerode connects on the first call. */
  constructor(dockerHost: string) {
    this.docker = new Docker(dockerOptions(dockerHost));
  }

  async listContainers(label: { key: string; value: string }): Promise<ActualContainer[]> {
    const listed = await this.docker.listContainers({ all: true, filters: { label: [`${label.key}=${label.value}`] } });
    const inspected = await Promise.all(listed.map((c) => this.inspect(c.Id)));
    return inspected.filter((c): c is ActualContainer => c !== undefined);
  }

  private async inspect(id: string): Promise<ActualContainer | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
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

  async pullImage(image: string, signal?: AbortSignal): Promise<void> {
    try {
      const stream = (await this.docker.pull(image, signal ? { abortSignal: signal } : {})) as Readable;
      const output = await new Promise<unknown[]>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) => (error ? reject(error) : resolve(result)));
      });
      // The engine reports a failure inside the progress stream, not as an HTTP error.
      const failure = output.find((line): line is { error: string } => typeof line === 'object' && line !== null && typeof (line as { error?: unknown }).error === 'string');
      if (failure) throw new Error(failure.error);
    } catch (error) {
      throw new ImagePullError(image, { cause: error });
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of spec.ports) {
      const key = `${port.containerPort}/${port.protocol.toLowerCase()}`;
      exposed[key] = {};
      if (port.hostPort !== undefined) {
        (bindings[key] ??= []).push({ HostIp: port.hostIP ?? '0.0.0.0', HostPort: String(port.hostPort) });
      }
    }
    const options: Docker.ContainerCreateOptions = {
      name: spec.name,
      Image: spec.image,
      Labels: { ...spec.labels },
      Env: spec.env.map((e) => `${e.name}=${e.value}`),
      ExposedPorts: exposed,
      HostConfig: {
        PortBindings: bindings,
        RestartPolicy: { Name: 'no' },
        ...(spec.nanoCpus !== undefined ? { NanoCpus: spec.nanoCpus } : {}),
        ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
      },
      ...(spec.command && spec.command.length > 0 ? { Entrypoint: [...spec.command] } : {}),
      ...(spec.args && spec.args.length > 0 ? { Cmd: [...spec.args] } : {}),
      ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
      ...(spec.hostname !== undefined ? { Hostname: spec.hostname } : {}),
    };
    try {
      const container = await this.docker.createContainer(options);
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

  watchEvents(label: { key: string; value: string }, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): void {
    const follow = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          const stream = (await this.docker.getEvents({
            filters: { type: ['container'], label: [`${label.key}=${label.value}`] },
          })) as Readable;
          await readEvents(stream, onEvent, signal);
        } catch {
          // The engine went away; look again shortly. The periodic resync covers the gap.
        }
        if (!signal.aborted) await delay(EVENT_RETRY_MS, signal);
      }
    };
    void follow();
  }

  async version(): Promise<string> {
    const v = await this.docker.version();
    return `docker://${v.Version}`;
  }
}

/** Reads newline-separated JSON events until the stream ends or `signal` aborts. */
function readEvents(stream: Readable, onEvent: (event: RuntimeEvent) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let buffer = '';
    const abort = (): void => {
      stream.destroy();
    };
    signal.addEventListener('abort', abort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        try {
          const event = JSON.parse(line) as { id?: unknown; Action?: unknown; status?: unknown };
          const id = typeof event.id === 'string' ? event.id : '';
          const action = typeof event.Action === 'string' ? event.Action : typeof event.status === 'string' ? event.status : '';
          onEvent({ containerId: id, action });
        } catch {
          // A malformed line only costs a wake-up; the resync covers it.
        }
      }
    });
    const done = (): void => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
