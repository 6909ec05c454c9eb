import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersWithLabels, docker, removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { readRetained } from '../support/retained.js';
import { waitFor } from '../support/wait.js';
import { arches, processesMentioning, startAgentBinary } from './binaries.js';

/**
 * Each agent binary (the ARM ones under qemu-user, which passes the system calls through)
 * runs as a node agent: it reaches the real Docker engine over /var/run/docker.sock and a
 * real mosquitto on loopback, and publishes its retained node status there. Stopped, it
 * says offline and leaves nothing behind.
 */

interface NodeStatusSeen {
  readonly state?: string;
  readonly info?: { readonly containerRuntimeVersion?: string };
  readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string }[];
}

let broker: Mosquitto;
let engineVersion: string;

beforeAll(async () => {
  broker = await startMosquitto();
  engineVersion = await docker('version', '--format', '{{.Server.Version}}');
});

afterAll(async () => {
  await broker?.stop();
});

async function statusOf(node: string): Promise<NodeStatusSeen | undefined> {
  const payload = (await readRetained(broker.url, `baton/v1/nodes/${node}/status`)).get(`baton/v1/nodes/${node}/status`);
  return payload === undefined ? undefined : (JSON.parse(payload) as NodeStatusSeen);
}

describe.each(arches)('baton-agent-linux-%s as a node agent', (arch) => {
  it('publishes its status online with the Docker engine it talks to, then offline when stopped, leaving nothing', async () => {
    const node = `bin-${arch}-${randomBytes(3).toString('hex')}`;
    const stateDir = await mkdtemp(join(tmpdir(), `baton-${node}-`));
    const agent = startAgentBinary(arch, broker.url, node, stateDir);
    try {
      const online = await waitFor(
        `${node} online on the broker\n${agent.output()}`,
        async () => {
          const status = await statusOf(node);
          return status?.state === 'online' && status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? status : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(online.info?.containerRuntimeVersion).toBe(`docker://${engineVersion}`);

      await agent.stop('SIGTERM');
      expect(agent.child.exitCode, agent.output()).toBe(0);
      const offline = await statusOf(node);
      expect(offline?.state).toBe('offline');
      expect(processesMentioning(node)).toEqual([]);
      expect(await containersWithLabels(`io.baton.node=${node}`)).toEqual([]);
    } finally {
      await agent.stop('SIGKILL');
      await removeNodeContainers(node);
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
