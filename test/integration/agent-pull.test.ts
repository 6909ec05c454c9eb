import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { startProcess, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, QUICK_PASS_MS, QUICK_PASSES, recordEvents, requireBuiltAgent, startAgent, testPod, topics, uniqueNode, waitForRunning, type StartedAgent } from './agent-harness.js';

/**
 * Image pulls from a real registry (docker-registry on 127.0.0.1, which Docker allows
 * without TLS), the pull policies, a Docker engine reached over tcp://, and stale pod
 * statuses left on the broker.
 */

let broker: Mosquitto;
let view: BrokerView;
let registry: Running;
let registryHost: string;
const agents: StartedAgent[] = [];
const nodes: string[] = [];
const images: string[] = [];

async function agentFor(name: string, args: string[] = []): Promise<StartedAgent> {
  const agent = await startAgent(broker.url, name, { args });
  agents.push(agent);
  return agent;
}

function node(): string {
  const name = uniqueNode('ap');
  nodes.push(name);
  return name;
}

/** Pushes the test image to the registry under a fresh tag, absent from the engine afterwards. */
async function pushedImage(): Promise<string> {
  const image = `${registryHost}/baton-test/busybox:${uniqueNode('tag')}`;
  await docker('tag', TEST_IMAGE, image);
  await docker('push', image);
  await docker('rmi', image);
  images.push(image);
  return image;
}

beforeAll(async () => {
  requireBuiltAgent();
  broker = await startMosquitto();
  view = await BrokerView.connect(broker.url);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'baton-registry-'));
  const config = join(dir, 'config.yml');
  await writeFile(config, ['version: 0.1', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  registry = startProcess('docker-registry', ['serve', config]);
  registryHost = `127.0.0.1:${port}`;
  await waitFor(`the registry on ${registryHost}`, async () => (await fetch(`http://${registryHost}/v2/`).catch(() => undefined))?.ok);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.process.stop('SIGKILL')));
  for (const name of nodes.splice(0)) await removeNodeContainers(name);
  for (const image of images.splice(0)) await docker('rmi', '-f', image).catch(() => '');
});

afterAll(async () => {
  await registry?.stop();
  await view?.close();
  await broker?.stop();
});

describe('baton-agent pulls', () => {
  it('IfNotPresent: pulls a missing image once, with Pulling and Pulled events', async () => {
    const name = node();
    const image = await pushedImage();
    const { events, stop } = await recordEvents(broker.url, name);
    try {
      await agentFor(name);
      await view.publishDesired(desiredState(name, 1, [testPod('web', { image, imagePullPolicy: 'IfNotPresent' })]));
      await waitForRunning(name, 'web');
      await waitFor('Started', () => events.some((e) => e.reason === 'Started'));
      expect(events.map((e) => e.reason)).toEqual(['Pulling', 'Pulled', 'Created', 'Started']);
      expect(events[1]?.message).toContain(`Successfully pulled image "${image}"`);
      const report = await waitFor('Running', () => (view.podStatus(name, 'web')?.status.phase === 'Running' ? view.podStatus(name, 'web') : undefined));
      expect(report.status.containerStatuses[0]?.imageID).toMatch(/^sha256:/);
    } finally {
      await stop();
    }
  });

  it('Always: pulls again before every create, restarts included', async () => {
    const name = node();
    const image = await pushedImage();
    const { events, stop } = await recordEvents(broker.url, name);
    try {
      await agentFor(name);
      await view.publishDesired(desiredState(name, 1, [testPod('job', { command: ['sh', '-c', 'sleep 0.5; exit 1'], image, imagePullPolicy: 'Always' })]));
      await waitFor('a restart', () => (view.podStatus(name, 'job')?.status.containerStatuses[0]?.restartCount ?? 0) >= 1, { timeoutMs: 30_000 });
      await waitFor('two Pulled events', () => events.filter((e) => e.reason === 'Pulled').length >= 2);
    } finally {
      await stop();
    }
  });

  it('Never: does not pull an absent image and says ErrImageNeverPull', async () => {
    const name = node();
    const image = await pushedImage();
    const { events, stop } = await recordEvents(broker.url, name);
    try {
      await agentFor(name, QUICK_PASSES);
      await view.publishDesired(desiredState(name, 1, [testPod('web', { image, imagePullPolicy: 'Never' })]));
      await waitFor('ErrImageNeverPull', () => view.podStatus(name, 'web')?.status.containerStatuses[0]?.state.waiting?.reason === 'ErrImageNeverPull');
      const since = Date.now();
      await waitFor('a few resyncs', () => Date.parse(view.nodeStatus(name)?.time ?? '0') > since + 2 * QUICK_PASS_MS, { timeoutMs: 10_000 });
      expect(events.filter((e) => e.reason === 'Pulling')).toEqual([]);
      expect(await docker('images', '-q', image)).toBe('');
    } finally {
      await stop();
    }
  });
});

describe('baton-agent odds and ends', () => {
  it('reaches Docker over tcp:// with --docker-host', async () => {
    // A plain TCP-to-socket relay stands in for a Docker engine listening on TCP.
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const engine = createConnection('/var/run/docker.sock');
      sockets.add(client).add(engine);
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
    });
    const port = await freePort();
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    try {
      const name = node();
      const agent = await agentFor(name, ['--docker-host', `tcp://127.0.0.1:${port}`]);
      await view.publishDesired(desiredState(name, 1, [testPod('web')]));
      await waitForRunning(name, 'web');
      await waitFor('Running over tcp', () => view.podStatus(name, 'web')?.status.phase === 'Running');
      expect(sockets.size).toBeGreaterThan(0);
      await agent.process.stop('SIGKILL');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('clears retained statuses of pods it no longer has', async () => {
    const name = node();
    const stale = { protocol: 'v1', node: name, name: 'gone', uid: 'uid-gone', observedGeneration: 1, status: { phase: 'Running', conditions: [], containerStatuses: [] } };
    await view.publishRaw(topics.podStatus(name, 'gone'), JSON.stringify(stale));
    await waitFor('the stale status on the broker', () => view.podStatus(name, 'gone'));
    await agentFor(name);
    await view.publishDesired(desiredState(name, 2, [testPod('web')]));
    await waitFor('the stale status cleared', () => view.text(topics.podStatus(name, 'gone')) === '');
    await waitFor('web Running', () => view.podStatus(name, 'web')?.status.phase === 'Running');
  });
});
