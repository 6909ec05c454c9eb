import { describe, expect, it } from 'vitest';
import { nodeStatusSchema } from '../protocol/messages.js';
import { NOTHING_ALLOWED } from '../protocol/node-allows.js';
import { kubernetesArch } from './node-facts.js';
import { buildNodeStatus, offlineStatus } from './node-status.js';

const facts = { architecture: 'arm64', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.6.31', piModel: 'Raspberry Pi 4 Model B Rev 1.4', cpus: 4, memoryBytes: 4 * 2 ** 30 - 300 * 2 ** 20 + 123, hostIP: '192.168.1.20' };

describe('buildNodeStatus', () => {
  const status = buildNodeStatus({
    node: 'pi-1', facts, usage: { cpuPercent: 12.5, memoryBytes: 2 ** 30, temperatureCelsius: 48.2 }, labels: { zone: 'attic', 'kubernetes.io/arch': 'spoofed' },
    allows: { privileged: false, hostNetwork: true, hostPaths: ['/srv/data'], devices: ['/dev/ttyUSB*'] },
    runtimeVersion: 'docker://24.0.7', agentVersion: '0.1.0', observedGeneration: 4, pods: 2, startedAt: Date.parse('2025-12-31T23:00:00Z'), now: Date.parse('2026-01-01T00:00:00Z'),
  });

  it('is a valid NodeStatus', () => {
    expect(nodeStatusSchema.safeParse(status).success).toBe(true);
  });

  it('carries facts, well-known labels (which win) and Kubernetes quantities', () => {
    expect(status).toMatchObject({
      state: 'online',
      time: '2026-01-01T00:00:00.000Z',
      startedAt: '2025-12-31T23:00:00.000Z',
      info: { architecture: 'arm64', piModel: 'Raspberry Pi 4 Model B Rev 1.4', cpus: 4, temperatureCelsius: 48.2, containerRuntimeVersion: 'docker://24.0.7' },
      labels: { zone: 'attic', 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'pi-1' },
      capacity: { cpu: '4', memory: '3796Mi', pods: '110' },
      allocatable: { cpu: '4', memory: '3696Mi', pods: '110' },
      usage: { cpuPercent: 12.5, memoryBytes: 2 ** 30 },
      observedGeneration: 4,
      pods: 2,
    });
    expect(status.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'AgentReady', message: 'baton-agent is posting ready status' }]);
  });

  it('publishes the taints from --taint, and no taints field without any', () => {
    const base = { node: 'pi-1', facts, labels: {}, allows: NOTHING_ALLOWED, runtimeVersion: 'docker://24.0.7', agentVersion: '0.1.0', startedAt: 0, now: 0 };
    const tainted = buildNodeStatus({ ...base, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'flaky', effect: 'NoExecute' }] });
    expect(tainted.taints).toEqual([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'flaky', effect: 'NoExecute' }]);
    expect(nodeStatusSchema.parse(tainted).taints).toEqual(tainted.taints);
    expect(buildNodeStatus({ ...base, taints: [] })).not.toHaveProperty('taints');
    expect(status).not.toHaveProperty('taints');
  });

  it('publishes what the node allows, read back unchanged, and "nothing" when nothing is', () => {
    expect(status.allows).toEqual({ privileged: false, hostNetwork: true, hostPaths: ['/srv/data'], devices: ['/dev/ttyUSB*'] });
    expect(nodeStatusSchema.parse(JSON.parse(JSON.stringify(status))).allows).toEqual(status.allows);
    const strict = buildNodeStatus({ node: 'pi-1', facts, labels: {}, allows: NOTHING_ALLOWED, runtimeVersion: 'docker://24.0.7', agentVersion: '0.1.0', startedAt: 0, now: 0 });
    expect(strict.allows).toEqual({ privileged: false, hostNetwork: false, hostPaths: [], devices: [] });
  });

  it('is not Ready while the container runtime is down', () => {
    const down = buildNodeStatus({ node: 'pi-1', facts, labels: {}, allows: NOTHING_ALLOWED, runtimeVersion: 'unknown', agentVersion: '0.1.0', runtimeProblem: 'connect ENOENT /var/run/docker.sock', startedAt: 0, now: 0 });
    expect(down.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'AgentNotReady', message: expect.stringContaining('ENOENT') });
  });

  it('says offline with a reason', () => {
    expect(offlineStatus('pi-1', 'AgentStopped', 0)).toEqual({ protocol: 'v1', node: 'pi-1', state: 'offline', reason: 'AgentStopped', time: '1970-01-01T00:00:00.000Z' });
    expect(nodeStatusSchema.safeParse(offlineStatus('pi-1', 'ConnectionLost')).success).toBe(true);
  });
});

describe('kubernetesArch', () => {
  it.each([['x64', 'amd64'], ['arm64', 'arm64'], ['arm', 'arm'], ['ia32', '386'], ['mips', 'mips']])('%s -> %s', (node, k8s) => {
    expect(kubernetesArch(node)).toBe(k8s);
  });
});
