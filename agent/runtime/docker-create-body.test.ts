import { describe, expect, it } from 'vitest';
import { containerCreateBody } from './docker-create-body.js';
import type { ContainerCreateSpec } from './runtime.js';

const base: ContainerCreateSpec = {
  name: 'baton_n1_web_app',
  image: 'nginx:1',
  labels: { 'io.baton.node': 'n1' },
  env: [{ name: 'A', value: 'b=c' }],
  hostname: 'web',
  ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 8080 }],
};

describe('containerCreateBody', () => {
  it('a bridge container has its hostname and ports, restart policy no, nothing privileged', () => {
    const body = containerCreateBody(base);
    expect(body).toMatchObject({ name: base.name, Image: 'nginx:1', Env: ['A=b=c'], Hostname: 'web', ExposedPorts: { '80/tcp': {} } });
    expect(body.HostConfig).toEqual({
      RestartPolicy: { Name: 'no' },
      PortBindings: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
      Mounts: [],
      Devices: [],
      Privileged: false,
    });
  });

  it('a stop signal only when asked for (the engine\'s default is SIGTERM)', () => {
    expect(containerCreateBody(base).StopSignal).toBeUndefined();
    expect(containerCreateBody({ ...base, stopSignal: 'SIGKILL' }).StopSignal).toBe('SIGKILL');
  });

  it('a container on another one\'s network takes neither hostname nor ports', () => {
    const body = containerCreateBody({ ...base, ports: [], network: { mode: 'container', id: 'abc' }, ipcContainerId: 'abc' });
    expect(body.Hostname).toBeUndefined();
    expect(body.ExposedPorts).toBeUndefined();
    expect(body.HostConfig).toMatchObject({ NetworkMode: 'container:abc', IpcMode: 'container:abc' });
    expect(body.HostConfig.PortBindings).toBeUndefined();
  });

  it('host network, a shareable IPC, privileged, limits without swap', () => {
    const body = containerCreateBody({ ...base, network: { mode: 'host' }, shareableIpc: true, privileged: true, memoryBytes: 1 << 27, nanoCpus: 250_000_000 });
    expect(body.Hostname).toBeUndefined();
    expect(body.HostConfig).toMatchObject({ NetworkMode: 'host', IpcMode: 'shareable', Privileged: true, Memory: 1 << 27, MemorySwap: 1 << 27, NanoCpus: 250_000_000 });
  });

  it('volumes carry labels and tmpfs options; binds and devices map one to one', () => {
    const labels = { 'io.baton.pod-uid': 'u1' };
    const body = containerCreateBody({
      ...base,
      mounts: [
        { type: 'volume', name: 'v-disk', target: '/data', readOnly: false, labels },
        { type: 'volume', name: 'v-mem', target: '/cache', readOnly: false, labels, tmpfsBytes: 0 },
        { type: 'volume', name: 'v-mem-capped', target: '/small', readOnly: true, labels, tmpfsBytes: 65536 },
        { type: 'bind', source: '/srv', target: '/srv', readOnly: true },
      ],
      devices: [
        { pathOnHost: '/dev/i2c-1', pathInContainer: '/dev/i2c-1', permissions: 'rw' },
        { pathOnHost: '/dev/gpiomem', pathInContainer: '/dev/gpiomem', permissions: 'r' },
      ],
    });
    expect(body.HostConfig.Mounts).toEqual([
      { Type: 'volume', Source: 'v-disk', Target: '/data', ReadOnly: false, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } } },
      { Type: 'volume', Source: 'v-mem', Target: '/cache', ReadOnly: false, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } },
      { Type: 'volume', Source: 'v-mem-capped', Target: '/small', ReadOnly: true, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=65536' } } } },
      { Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: true },
    ]);
    expect(body.HostConfig.Devices).toEqual([
      { PathOnHost: '/dev/i2c-1', PathInContainer: '/dev/i2c-1', CgroupPermissions: 'rwm' },
      { PathOnHost: '/dev/gpiomem', PathInContainer: '/dev/gpiomem', CgroupPermissions: 'r' },
    ]);
  });
});
