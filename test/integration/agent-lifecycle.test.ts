import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';
import {
  BrokerView,
  desiredState,
  inspect,
  podContainers,
  QUICK_PASS_MS,
  QUICK_PASSES,
  recordEvents,
  requireBuiltAgent,
  startAgent,
  testPod,
  uniqueNode,
  waitForRunning,
  type StartedAgent,
} from './agent-harness.js';

/** The agent on its own: from disk without a broker, stopping, reconnecting, pulls, ports, events. */

let broker: Mosquitto;
let view: BrokerView;
const agents: StartedAgent[] = [];
const nodes: string[] = [];

function node(): string {
  const name = uniqueNode('al');
  nodes.push(name);
  return name;
}

async function agentFor(name: string, options: { stateDir?: string; args?: string[]; broker?: string } = {}): Promise<StartedAgent> {
  const agent = await startAgent(options.broker ?? broker.url, name, options);
  agents.push(agent);
  return agent;
}

interface LogEntry {
  level: number;
  msg: string;
  generation?: number;
  heldGeneration?: number;
}

/** The agent's pino lines; anything else (a line cut short while still being written) is skipped. */
function logEntries(output: string): LogEntry[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}

beforeAll(async () => {
  requireBuiltAgent();
  broker = await startMosquitto();
  view = await BrokerView.connect(broker.url);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.process.stop('SIGKILL')));
  for (const name of nodes.splice(0)) await removeNodeContainers(name);
});

afterAll(async () => {
  await view?.close();
  await broker?.stop();
});

describe('baton-agent on its own', () => {
  it('runs the pods of its saved desired state with no broker at all', async () => {
    const name = node();
    const stateDir = await mkdtemp(join(tmpdir(), 'baton-agent-disk-'));
    await writeFile(join(stateDir, 'desired.json'), JSON.stringify(desiredState(name, 3, [testPod('web')])));
    const agent = await agentFor(name, { stateDir, broker: `mqtt://127.0.0.1:${await freePort()}` });
    await waitForRunning(name, 'web');
    expect(agent.process.child.exitCode).toBeNull();
    expect(agent.process.output()).toContain('loaded the saved desired state');
  });

  it('survives a corrupt saved state: moves it aside, changes nothing until told, then converges', async () => {
    const name = node();
    const stateDir = await mkdtemp(join(tmpdir(), 'baton-agent-corrupt-'));
    await writeFile(join(stateDir, 'desired.json'), '{"protocol":"v1","node":');
    // A container this node ran before: with no desired state the agent must leave it be.
    const leftover = await docker('run', '-d', '--label', `io.baton.node=${name}`, '--label', 'io.baton.pod=old', '--label', 'io.baton.pod-uid=old-1',
      '--label', 'io.baton.container=main', '--label', 'io.baton.spec-hash=0', '--label', 'io.baton.grace-period=0', TEST_IMAGE, 'sleep', '3600');
    const agent = await agentFor(name, { stateDir, args: QUICK_PASSES });
    await waitFor('the node online', () => view.nodeStatus(name)?.state === 'online');
    await waitFor('the corrupt file moved aside', async () => (await readdir(stateDir)).some((f) => f.startsWith('desired.json.corrupt-')));
    const since = Date.now();
    await waitFor('a few resyncs', () => Date.parse(view.nodeStatus(name)?.time ?? '0') > since + 2.5 * QUICK_PASS_MS, { timeoutMs: 10_000 });
    expect((await inspect(leftover)).State.Running).toBe(true);
    expect(agent.process.child.exitCode).toBeNull();

    await view.publishDesired(desiredState(name, 1, [testPod('web')]));
    await waitForRunning(name, 'web');
    await waitFor('the leftover removed', async () => (await podContainers(name, 'old')).length === 0);
    await waitFor('the state saved', async () => (await readdir(stateDir)).includes('desired.json'));
  });

  it('on SIGTERM says offline (AgentStopped), exits 0 and leaves its containers running', async () => {
    const name = node();
    const agent = await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('web')]));
    const running = await waitForRunning(name, 'web');
    await agent.process.stop('SIGTERM');
    expect(agent.process.child.exitCode).toBe(0);
    await waitFor('offline AgentStopped', () => view.nodeStatus(name)?.state === 'offline' && view.nodeStatus(name)?.reason === 'AgentStopped', { timeoutMs: 5_000 });
    const after = await inspect(running.Id);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).toBe(running.State.StartedAt);
  });

  it('on SIGTERM exits 0 promptly even when its broker has gone silent', async () => {
    const name = node();
    const ownBroker = await startMosquitto();
    try {
      const agent = await agentFor(name, { broker: ownBroker.url });
      await waitFor('the agent connected', () => agent.process.output().includes('connected to the broker'));
      // A frozen broker (or a network that drops packets silently) never acknowledges
      // the agent's goodbye. The agent must give up on it, not wait forever: without a
      // deadline only the SIGKILL that stop() sends after 10 s would end it.
      ownBroker.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await agent.process.stop('SIGTERM');
      expect(agent.process.child.exitCode).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    } finally {
      ownBroker.child.kill('SIGCONT');
      await ownBroker.stop();
    }
  });

  it('ignores a desired state older than the one it holds, warning once per generation offered', async () => {
    const name = node();
    const agent = await agentFor(name, { args: QUICK_PASSES });
    await view.publishDesired(desiredState(name, 5, [testPod('new')]));
    await waitForRunning(name, 'new');
    await view.publishDesired(desiredState(name, 4, [testPod('old')]));
    await view.publishDesired(desiredState(name, 4, [testPod('old')])); // a redelivery
    await view.publishDesired(desiredState(name, 3, [testPod('old')]));
    const warnings = (): LogEntry[] => logEntries(agent.process.output()).filter((entry) => entry.level === 40 && entry.msg.includes('older'));
    await waitFor('a warning about generation 3', () => warnings().some((w) => w.generation === 3), { timeoutMs: 5_000 });
    expect(warnings().map((w) => [w.generation, w.heldGeneration])).toEqual([[4, 5], [3, 5]]);
    const since = Date.now();
    await waitFor('a few resyncs', () => Date.parse(view.nodeStatus(name)?.time ?? '0') > since + 2 * QUICK_PASS_MS, { timeoutMs: 10_000 });
    expect(await podContainers(name, 'old')).toEqual([]);
    expect((await podContainers(name, 'new')).length).toBe(1);
    expect(view.nodeStatus(name)?.observedGeneration).toBe(5);
  });

  it('starts a new pod while a removed one is still within its grace period', async () => {
    const name = node();
    const agent = await agentFor(name);
    const slow = testPod('slow');
    await view.publishDesired(desiredState(name, 1, [{ ...slow, spec: { ...slow.spec, terminationGracePeriodSeconds: 30 } }]));
    const old = await waitForRunning(name, 'slow');
    await view.publishDesired(desiredState(name, 2, []));
    await waitFor('the stop to begin', () => agent.process.output().includes('stopping and removing container'));
    await view.publishDesired(desiredState(name, 3, [testPod('fast')]));
    await waitForRunning(name, 'fast', 10_000);
    // busybox sleep ignores SIGTERM: the old pod is still being stopped, and did not hold up the new one.
    expect((await inspect(old.Id)).State.Running).toBe(true);
    expect(view.podStatus(name, 'slow')?.status.phase).toBe('Running');
  });

  it('publishes its statuses again after the broker restarts empty', async () => {
    const port = await freePort();
    let own = await startMosquitto({ port });
    const name = node();
    try {
      await agentFor(name, { broker: own.url });
      let ownView = await BrokerView.connect(own.url);
      await ownView.publishDesired(desiredState(name, 1, [testPod('web')]));
      await waitFor('pod Running', () => ownView.podStatus(name, 'web')?.status.phase === 'Running');
      const running = await waitForRunning(name, 'web');
      await ownView.close();

      await own.stop();
      own = await startMosquitto({ port }); // no persistence: every retained message is gone
      ownView = await BrokerView.connect(own.url);
      await waitFor('the node status again', () => ownView.nodeStatus(name)?.state === 'online', { timeoutMs: 15_000 });
      await waitFor('the pod status again', () => ownView.podStatus(name, 'web')?.status.phase === 'Running', { timeoutMs: 15_000 });
      await ownView.close();
      expect((await waitForRunning(name, 'web')).Id).toBe(running.Id);
    } finally {
      await own.stop();
    }
  });

  it('reports a pull that fails as ErrImagePull, with a Failed event, and retries it', async () => {
    const name = node();
    const { events, stop } = await recordEvents(broker.url, name);
    try {
      // A 1 s back-off (kubelet's is 10 s), so the retry comes soon.
      await agentFor(name, { args: ['--backoff', '1s'] });
      const image = '127.0.0.1:1/baton-test/absent:1';
      await view.publishDesired(desiredState(name, 1, [testPod('web', { image })]));
      const report = await waitFor('ErrImagePull', () => {
        const r = view.podStatus(name, 'web');
        return r?.status.containerStatuses[0]?.state.waiting?.reason === 'ErrImagePull' ? r : undefined;
      });
      expect(report.status.phase).toBe('Pending');
      expect(report.status.containerStatuses[0]?.state.waiting?.message).toContain(image);
      await waitFor('two pull attempts', () => events.filter((e) => e.reason === 'Pulling').length >= 2, { timeoutMs: 10_000 });
      const failed = events.find((e) => e.reason === 'Failed');
      expect(failed).toMatchObject({ type: 'Warning', pod: 'web', container: 'main', node: name });
      expect(failed?.message).toContain(`Failed to pull image "${image}"`);
    } finally {
      await stop();
    }
  });

  it('publishes host ports, emits lifecycle events, and runs to Succeeded or Failed by restartPolicy', async () => {
    const name = node();
    const { events, stop } = await recordEvents(broker.url, name);
    try {
      await agentFor(name);
      const port = await freePort();
      const web = testPod('web', { command: ['httpd', '-f', '-p', '80', '-h', '/var/www'], ports: [{ containerPort: 80, hostPort: port, hostIP: '127.0.0.1', protocol: 'TCP' }] });
      const done = testPod('done', { command: ['sh', '-c', 'exit 0'], restartPolicy: 'OnFailure' });
      const broken = testPod('broken', { command: ['sh', '-c', 'exit 4'], restartPolicy: 'Never' });
      await view.publishDesired(desiredState(name, 1, [web, done, broken]));
      const body = await waitFor('the page on the host port', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        return response.ok ? response.text() : undefined;
      });
      expect(body).toContain('Hello from Baton');
      await waitFor('done Succeeded', () => view.podStatus(name, 'done')?.status.phase === 'Succeeded');
      await waitFor('broken Failed', () => view.podStatus(name, 'broken')?.status.phase === 'Failed');
      expect(view.podStatus(name, 'broken')?.status.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 4, reason: 'Error' });
      expect(view.podStatus(name, 'done')?.status.containerStatuses[0]?.restartCount).toBe(0);

      await view.publishDesired(desiredState(name, 2, [done, broken]));
      await waitFor('a Killing event', () => events.some((e) => e.reason === 'Killing' && e.pod === 'web'));
      const webEvents = events.filter((e) => e.pod === 'web').map((e) => e.reason);
      expect(webEvents).toEqual(['Pulled', 'Created', 'Started', 'Killing']);
    } finally {
      await stop();
    }
  });
});
