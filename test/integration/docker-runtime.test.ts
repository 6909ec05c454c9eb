import { describe, expect, it, afterAll } from 'vitest';
import { DockerRuntime, dockerOptions } from '../../agent/runtime/docker-runtime.js';
import { defineRuntimeContract } from '../../agent/runtime/runtime-contract.js';
import { containersWithLabels, docker, TEST_IMAGE } from '../support/docker.js';

const runtime = new DockerRuntime(process.env.BATON_DOCKER_HOST ?? 'unix:///var/run/docker.sock');

async function removeLabelled(key: string, value: string): Promise<void> {
  const ids = await containersWithLabels(`${key}=${value}`);
  if (ids.length > 0) await docker('rm', '-f', ...ids);
}

defineRuntimeContract('docker', () => ({
  runtime,
  image: TEST_IMAGE,
  unpullableImage: '127.0.0.1:1/baton-test/absent:0',
  removeLabelled,
}));

describe('DockerRuntime specifics', () => {
  const label = `io.baton.contract=docker-${process.pid}`;
  afterAll(() => removeLabelled('io.baton.contract', `docker-${process.pid}`));

  it('parses --docker-host as a unix socket or a TCP address', () => {
    expect(dockerOptions('unix:///var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptions('tcp://10.0.0.2:2375')).toEqual({ protocol: 'http', host: '10.0.0.2', port: 2375 });
    expect(() => dockerOptions('ftp://x')).toThrow(/unix:\/\/ or tcp:\/\//);
    expect(() => dockerOptions('nonsense')).toThrow(/invalid Docker host/);
  });

  it('applies command, args, env, workingDir, hostname, ports and limits', async () => {
    const id = await runtime.createContainer({
      name: `baton-contract_docker_${process.pid}`,
      image: TEST_IMAGE,
      labels: { 'io.baton.contract': `docker-${process.pid}` },
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
    });
    const inspect = JSON.parse(await docker('inspect', id)) as [
      {
        Config: { Entrypoint: string[]; Cmd: string[]; Env: string[]; WorkingDir: string; Hostname: string; ExposedPorts: Record<string, object> };
        HostConfig: { NanoCpus: number; Memory: number; PortBindings: Record<string, { HostIp: string; HostPort: string }[]>; RestartPolicy: { Name: string } };
      },
    ];
    const info = inspect[0];
    expect(info.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config.Cmd).toEqual(['sleep 3600']);
    expect(info.Config.Env).toContain('GREETING=hello world');
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect(info.Config.Hostname).toBe('web-1');
    expect(Object.keys(info.Config.ExposedPorts).sort()).toEqual(['53/udp', '80/tcp']);
    expect(info.HostConfig.PortBindings['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '18080' }]);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 2 ** 20);
    expect(info.HostConfig.RestartPolicy.Name).toBe('no');
    expect(await containersWithLabels(label)).toEqual([id]);
  });
});
