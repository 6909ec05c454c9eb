import type { ContainerCreateSpec, Mount } from './runtime.js';

/**
 * The body of the Docker Engine API's `POST /containers/create` for one container spec,
 * as a pure function (the adapter sends it). Containers get Docker restart policy `no`:
 * the agent restarts them itself, so restart counts and backoff stay its decision.
 */

export interface EngineMount {
  Type: 'volume' | 'bind';
  Source: string;
  Target: string;
  ReadOnly: boolean;
  /** For volumes: how the engine creates the volume on first use. */
  VolumeOptions?: { NoCopy: boolean; Labels: Record<string, string>; DriverConfig: { Name: string; Options: Record<string, string> } };
}

export interface EngineCreateBody {
  name: string;
  Image: string;
  Labels: Record<string, string>;
  Env: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Hostname?: string;
  ExposedPorts?: Record<string, object>;
  StopSignal?: string;
  HostConfig: {
    RestartPolicy: { Name: string };
    NetworkMode?: string;
    IpcMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    Mounts: EngineMount[];
    Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
    Privileged: boolean;
    NanoCpus?: number;
    Memory?: number;
    MemorySwap?: number;
  };
}

export function containerCreateBody(spec: ContainerCreateSpec): EngineCreateBody {
  const network = spec.network ?? { mode: 'bridge' };
  // A joined or host network belongs to someone else: its hostname and ports are theirs.
  const hasOwnNetwork = network.mode === 'bridge';
  const body: EngineCreateBody = {
    name: spec.name,
    Image: spec.image,
    Labels: { ...spec.labels },
    Env: spec.env.map((e) => `${e.name}=${e.value}`),
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      Mounts: (spec.mounts ?? []).map(engineMount),
      Devices: (spec.devices ?? []).map((d) => ({
        PathOnHost: d.pathOnHost,
        PathInContainer: d.pathInContainer,
        CgroupPermissions: d.permissions === 'r' ? 'r' : 'rwm',
      })),
      Privileged: spec.privileged ?? false,
    },
  };
  if (spec.command && spec.command.length > 0) body.Entrypoint = [...spec.command];
  if (spec.args && spec.args.length > 0) body.Cmd = [...spec.args];
  if (spec.workingDir !== undefined) body.WorkingDir = spec.workingDir;
  if (spec.stopSignal !== undefined) body.StopSignal = spec.stopSignal;
  if (network.mode === 'host') body.HostConfig.NetworkMode = 'host';
  if (network.mode === 'container') body.HostConfig.NetworkMode = `container:${network.id}`;
  if (spec.ipcContainerId !== undefined) body.HostConfig.IpcMode = `container:${spec.ipcContainerId}`;
  else if (spec.shareableIpc === true) body.HostConfig.IpcMode = 'shareable';
  if (hasOwnNetwork) {
    if (spec.hostname !== undefined) body.Hostname = spec.hostname;
    const { exposed, bindings } = publishedPorts(spec);
    body.ExposedPorts = exposed;
    body.HostConfig.PortBindings = bindings;
  }
  if (spec.nanoCpus !== undefined) body.HostConfig.NanoCpus = spec.nanoCpus;
  if (spec.memoryBytes !== undefined) {
    // Memory and memory+swap equal: no swap beyond the limit, as Kubernetes runs.
    body.HostConfig.Memory = spec.memoryBytes;
    body.HostConfig.MemorySwap = spec.memoryBytes;
  }
  return body;
}

function publishedPorts(spec: ContainerCreateSpec): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol.toLowerCase()}`;
    exposed[key] = {};
    if (port.hostPort !== undefined) {
      (bindings[key] ??= []).push({ HostIp: port.hostIP ?? '0.0.0.0', HostPort: String(port.hostPort) });
    }
  }
  return { exposed, bindings };
}

function engineMount(mount: Mount): EngineMount {
  if (mount.type === 'bind') {
    return { Type: 'bind', Source: mount.source, Target: mount.target, ReadOnly: mount.readOnly };
  }
  const options: Record<string, string> = {};
  if (mount.tmpfsBytes !== undefined) {
    options.type = 'tmpfs';
    options.device = 'tmpfs';
    if (mount.tmpfsBytes > 0) options.o = `size=${mount.tmpfsBytes}`;
  }
  return {
    Type: 'volume',
    Source: mount.name,
    Target: mount.target,
    ReadOnly: mount.readOnly,
    VolumeOptions: { NoCopy: false, Labels: { ...mount.labels }, DriverConfig: { Name: 'local', Options: options } },
  };
}
