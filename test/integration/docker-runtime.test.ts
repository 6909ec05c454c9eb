import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime, dockerOptions } from '../../agent/runtime/docker-runtime.js';
import { defineRuntimeContract } from '../../agent/runtime/runtime-contract.js';
import type { ContainerCreateSpec, PullProgress } from '../../agent/runtime/runtime.js';
import { pauseArchOf } from '../../agent/sandbox/pause-elf.js';
import { ensurePauseImage, PAUSE_COMMAND, PAUSE_IMAGE, PAUSE_IMAGE_LABEL, pauseRootfs } from '../../agent/sandbox/pause-image.js';
import { BATON_VERSION } from '../../protocol/version.js';
import { containersWithLabels, docker, TEST_IMAGE } from '../support/docker.js';
import { pushFreshImage, startRegistry, type Registry } from '../support/registry.js';
import { waitFor } from '../support/wait.js';

const runtime = new DockerRuntime(process.env.BATON_DOCKER_HOST ?? 'unix:///var/run/docker.sock');
let registry: Registry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

async function removeLabelled(key: string, value: string): Promise<void> {
  const ids = await containersWithLabels(`${key}=${value}`);
  if (ids.length > 0) await docker('rm', '-f', ...ids);
}

defineRuntimeContract(
  'docker',
  () => ({
    runtime,
    image: TEST_IMAGE,
    unpullableImage: '127.0.0.1:1/baton-test/absent:0',
    pullableImage: () => pushFreshImage(registry, 'baton-contract/fresh'),
    removeLabelled,
    removeImage: async (image) => {
      await docker('rmi', '-f', image).catch(() => '');
    },
  }),
  { runsProcesses: true },
);

interface Inspected {
  Config: { Entrypoint: string[]; Cmd: string[]; Env: string[]; WorkingDir: string; Hostname: string; ExposedPorts: Record<string, object> | null; Labels: Record<string, string> };
  HostConfig: {
    NanoCpus: number;
    Memory: number;
    MemorySwap: number;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
    RestartPolicy: { Name: string };
    NetworkMode: string;
    IpcMode: string;
    Privileged: boolean;
    Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null;
    Mounts: { Type: string; Source: string; Target: string; ReadOnly?: boolean; VolumeOptions?: { Labels?: Record<string, string>; DriverConfig?: { Name: string; Options: Record<string, string> } } }[] | null;
  };
}

async function inspect(id: string): Promise<Inspected> {
  const [info] = JSON.parse(await docker('inspect', id)) as Inspected[];
  if (!info) throw new Error(`no container ${id}`);
  return info;
}

describe('DockerRuntime specifics', () => {
  const scope = `docker-${process.pid}`;
  const labels = { 'io.baton.contract': scope };
  let serial = 0;
  const spec = (overrides: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec => ({
    name: `baton-contract_docker_${process.pid}_${serial++}`,
    image: TEST_IMAGE,
    labels,
    command: ['sleep', '3600'],
    env: [],
    ports: [],
    ...overrides,
  });
  afterAll(async () => {
    await removeLabelled('io.baton.contract', scope);
    for (const v of await runtime.listVolumes({ key: 'io.baton.contract', value: scope })) await runtime.removeVolume(v.name);
  });

  it('parses --docker-host as a unix socket or a TCP address', () => {
    expect(dockerOptions('unix:///var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptions('tcp://10.0.0.2:2375')).toEqual({ protocol: 'http', host: '10.0.0.2', port: 2375 });
    expect(() => dockerOptions('ftp://x')).toThrow(/unix:\/\/ or tcp:\/\//);
    expect(() => dockerOptions('nonsense')).toThrow(/invalid Docker host/);
  });

  it('applies command, args, env, workingDir, hostname, ports and limits, without swap', async () => {
    const id = await runtime.createContainer(
      spec({
        command: ['sh', '-c'],
        args: ['sleep 3600'],
        env: [{ name: 'GREETING', value: 'hello world' }],
        workingDir: '/tmp',
        hostname: 'web-1',
        ports: [
          { containerPort: 80, protocol: 'TCP', hostPort: 18080, hostIP: '127.0.0.1' },
          { containerPort: 53, protocol: 'UDP' },
        ],
        nanoCpus: 500_000_000,
        memoryBytes: 64 * 2 ** 20,
      }),
    );
    const info = await inspect(id);
    expect(info.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config.Cmd).toEqual(['sleep 3600']);
    expect(info.Config.Env).toContain('GREETING=hello world');
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect(info.Config.Hostname).toBe('web-1');
    expect(Object.keys(info.Config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '80/tcp']);
    expect(info.HostConfig.PortBindings?.['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '18080' }]);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 2 ** 20);
    expect(info.HostConfig.MemorySwap).toBe(64 * 2 ** 20);
    expect(info.HostConfig.RestartPolicy.Name).toBe('no');
    expect(info.HostConfig.Privileged).toBe(false);
    expect(await containersWithLabels(`io.baton.contract=${scope}`)).toContain(id);
  });

  it('gives the engine network and IPC modes, volumes with labels, tmpfs options, binds, devices and privileged', async () => {
    const owner = await runtime.createContainer(spec({ shareableIpc: true, hostname: 'pod-1' }));
    const member = await runtime.createContainer(
      spec({
        hostname: 'ignored',
        network: { mode: 'container', id: owner },
        ipcContainerId: owner,
        privileged: true,
        mounts: [
          { type: 'volume', name: `baton-contract-${scope}-mem`, target: '/cache', readOnly: false, labels, tmpfsBytes: 2 ** 20 },
          { type: 'volume', name: `baton-contract-${scope}-disk`, target: '/data', readOnly: true, labels },
          { type: 'bind', source: '/etc', target: '/host-etc', readOnly: true },
        ],
        devices: [
          { pathOnHost: '/dev/zero', pathInContainer: '/dev/zero-r', permissions: 'r' },
          { pathOnHost: '/dev/null', pathInContainer: '/dev/null-rw', permissions: 'rw' },
        ],
      }),
    );
    const host = await runtime.createContainer(spec({ network: { mode: 'host' } }));
    expect((await inspect(owner)).HostConfig).toMatchObject({ NetworkMode: 'default', IpcMode: 'shareable' });
    expect((await inspect(host)).HostConfig.NetworkMode).toBe('host');
    const info = await inspect(member);
    expect(info.HostConfig).toMatchObject({ NetworkMode: `container:${owner}`, IpcMode: `container:${owner}`, Privileged: true });
    expect(info.Config.Hostname).not.toBe('ignored');
    expect(info.Config.ExposedPorts ?? {}).toEqual({});
    expect(info.HostConfig.Devices).toEqual([
      { PathOnHost: '/dev/zero', PathInContainer: '/dev/zero-r', CgroupPermissions: 'r' },
      { PathOnHost: '/dev/null', PathInContainer: '/dev/null-rw', CgroupPermissions: 'rwm' },
    ]);
    const [mem, disk, bind] = info.HostConfig.Mounts ?? [];
    expect(mem).toMatchObject({ Type: 'volume', Target: '/cache', VolumeOptions: { Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1048576' } } } });
    expect(disk).toMatchObject({ Type: 'volume', Target: '/data', ReadOnly: true, VolumeOptions: { Labels: labels } });
    expect(bind).toMatchObject({ Type: 'bind', Source: '/etc', Target: '/host-etc', ReadOnly: true });
    const volumes = await runtime.listVolumes({ key: 'io.baton.contract', value: scope });
    expect(volumes.map((v) => v.name).sort()).toEqual([`baton-contract-${scope}-disk`, `baton-contract-${scope}-mem`]);
  });

  it('reports a real download byte by byte, at most about four times a second', async () => {
    const image = await pushFreshImage(registry, 'baton-contract/progress', 4 * 1024 * 1024);
    try {
      const reports: { at: number; progress: PullProgress }[] = [];
      await runtime.pullImage(image, { onProgress: (progress) => reports.push({ at: Date.now(), progress }) });
      const last = reports.at(-1)?.progress;
      expect(last).toMatchObject({ layers: 1, layersDone: 1 });
      expect(last?.totalBytes).toBeGreaterThan(1024 * 1024);
      expect(last?.downloadedBytes).toBe(last?.totalBytes);
      // Every report but the final one keeps its distance from the one before.
      for (let i = 1; i < reports.length - 1; i++) expect((reports[i]?.at ?? 0) - (reports[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(240);
    } finally {
      await docker('rmi', '-f', image).catch(() => '');
    }
  });

  it('labels an imported image', async () => {
    const image = `baton-contract/imported:${scope}`;
    try {
      await runtime.importImage(pauseRootfs(pauseArchOf(process.arch)), image, { 'io.baton.contract': scope, 'with space': 'a "quoted" value' });
      const [info] = JSON.parse(await docker('image', 'inspect', image)) as { Config: { Labels: Record<string, string> } }[];
      expect(info?.Config.Labels).toEqual({ 'io.baton.contract': scope, 'with space': 'a "quoted" value' });
    } finally {
      await docker('rmi', '-f', image).catch(() => '');
    }
  });

  it('runs a pod sandbox from the pause image, its members on its network', async () => {
    const arch = pauseArchOf(process.arch);
    expect(await ensurePauseImage(runtime, arch)).toBe(PAUSE_IMAGE);
    const imageId = (await runtime.inspectImage(PAUSE_IMAGE))?.id;
    await ensurePauseImage(runtime, arch);
    expect((await runtime.inspectImage(PAUSE_IMAGE))?.id).toBe(imageId); // present: not imported again
    const [image] = JSON.parse(await docker('image', 'inspect', PAUSE_IMAGE)) as { Config: { Labels: Record<string, string> } }[];
    expect(image?.Config.Labels[PAUSE_IMAGE_LABEL]).toBe(BATON_VERSION);

    const sandbox = await runtime.createContainer(spec({ image: PAUSE_IMAGE, command: [...PAUSE_COMMAND], shareableIpc: true }));
    await runtime.startContainer(sandbox);
    const server = await runtime.createContainer(spec({ command: ['httpd', '-f', '-p', '127.0.0.1:8080', '-h', '/var/www'], network: { mode: 'container', id: sandbox }, ipcContainerId: sandbox }));
    await runtime.startContainer(server);
    const client = await runtime.createContainer(spec({ network: { mode: 'container', id: sandbox }, ipcContainerId: sandbox }));
    await runtime.startContainer(client);
    const listed = await runtime.listContainers({ key: 'io.baton.contract', value: scope });
    expect(listed.find((c) => c.id === sandbox)).toMatchObject({ state: 'running', image: PAUSE_IMAGE });
    expect(await docker('top', sandbox, '-o', 'pid,args')).toMatch(/\/pause/);
    const page = await waitFor('the server on the sandbox\'s localhost', async () => {
      const { exitCode, output } = await runtime.exec(client, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'], 5_000);
      return exitCode === 0 ? output : undefined;
    }, { timeoutMs: 10_000 });
    expect(page).toContain('Hello from Baton');
  });
});
