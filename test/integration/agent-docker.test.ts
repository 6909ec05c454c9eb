import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';
import {
  BrokerView,
  desiredState,
  inspect,
  podContainers,
  QUICK_PASS_MS,
  QUICK_PASSES,
  requireBuiltAgent,
  startAgent,
  testPod,
  topics,
  uniqueNode,
  waitForRunning,
  type StartedAgent,
} from './agent-harness.js';

/**
 * The built baton-agent as a separate process against real mosquitto and real Docker.
 * The test plays the coordinator: it publishes retained desired states and reads the
 * node and pod statuses back off the broker, as any MQTT client would.
 */

let broker: Mosquitto;
let view: BrokerView;
const agents: StartedAgent[] = [];
const nodes: string[] = [];

function node(): string {
  const name = uniqueNode('ad');
  nodes.push(name);
  return name;
}

async function agentFor(name: string, args: string[] = []): Promise<StartedAgent> {
  const agent = await startAgent(broker.url, name, { args });
  agents.push(agent);
  return agent;
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

describe('baton-agent with Docker', () => {
  it('runs a pod, reports it Running, and publishes its node status', async () => {
    const name = node();
    const agent = await agentFor(name, ['--label', 'site=attic', '--label', 'disk=ssd']);
    const status = await waitFor('the node status online', () => (view.nodeStatus(name)?.state === 'online' ? view.nodeStatus(name) : undefined));
    expect(status.info?.architecture).toMatch(/^(amd64|arm64|arm|386|ppc64le|s390x|riscv64)$/);
    expect(status.info?.cpus).toBeGreaterThan(0);
    expect(status.info?.memoryBytes).toBeGreaterThan(0);
    expect(status.info?.containerRuntimeVersion).toMatch(/^docker:\/\//);
    expect(status.labels).toMatchObject({
      'kubernetes.io/arch': status.info?.architecture,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': name,
      site: 'attic',
      disk: 'ssd',
    });
    expect(status.capacity?.cpu).toBe(String(status.info?.cpus));
    expect(status.allocatable?.memory).toMatch(/^\d+(Ki|Mi|Gi)?$/);
    expect(status.allocatable?.pods).toBe('110');
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    await view.publishDesired(desiredState(name, 1, [testPod('web', { env: [{ name: 'GREETING', value: 'hi' }] })]));
    const running = await waitForRunning(name, 'web');
    expect(running.Config.Labels).toMatchObject({ 'io.baton.node': name, 'io.baton.pod': 'web', 'io.baton.container': 'main' });
    expect(running.Config.Labels['io.baton.spec-hash']).toMatch(/^[0-9a-f]+$/);
    expect(running.Name).toMatch(new RegExp(`^/baton_${name}_web_main_`));
    expect(await docker('exec', running.Id, 'sh', '-c', 'echo $GREETING')).toBe('hi');

    const report = await waitFor('pod status Running', () => (view.podStatus(name, 'web')?.status.phase === 'Running' ? view.podStatus(name, 'web') : undefined));
    const main = report.status.containerStatuses[0];
    expect(main).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, image: TEST_IMAGE, containerID: `docker://${running.Id}` });
    expect(main?.state.running?.startedAt).toBeDefined();
    expect(report.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(report.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(report.observedGeneration).toBe(1);
    await waitFor('the node to report generation 1', () => view.nodeStatus(name)?.observedGeneration === 1);
    expect(agent.process.child.exitCode).toBeNull();
  });

  it('adopts its running containers after being SIGKILLed and restarted, and its last will says offline', async () => {
    const name = node();
    const first = await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('web')]));
    const before = await waitForRunning(name, 'web');
    await waitFor('pod status Running', () => view.podStatus(name, 'web')?.status.phase === 'Running');
    const statusBefore = view.text(topics.podStatus(name, 'web'));

    await first.process.stop('SIGKILL');
    const offline = await waitFor('the last will', () => (view.nodeStatus(name)?.state === 'offline' ? view.nodeStatus(name) : undefined), { timeoutMs: 5_000 });
    expect(offline.reason).toBe('ConnectionLost');

    const second = await agentFor(name, QUICK_PASSES);
    expect(second.stateDir).not.toBe(first.stateDir); // it learns the desired state from the broker again
    await waitFor('the node status online again', () => view.nodeStatus(name)?.state === 'online');
    await waitFor('the restarted agent to take the desired state', () => view.nodeStatus(name)?.observedGeneration === 1);
    // Let it run several passes (a resync every QUICK_PASS_MS; the heartbeat shows it is alive) before looking.
    const since = Date.now();
    await waitFor('three heartbeats', () => Date.parse(view.nodeStatus(name)?.time ?? '0') > since + 2.5 * QUICK_PASS_MS, { timeoutMs: 10_000 });
    const after = await waitForRunning(name, 'web');
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(await podContainers(name, 'web')).toEqual([before.Id]);
    // Derived from the same container, the status is the same, to the transition times.
    expect(view.text(topics.podStatus(name, 'web'))).toBe(statusBefore);
  });

  it('replaces a container whose spec changed', async () => {
    const name = node();
    await agentFor(name);
    const pod = testPod('web');
    await view.publishDesired(desiredState(name, 1, [pod]));
    const before = await waitForRunning(name, 'web');

    const changed = { ...pod, spec: { ...pod.spec, containers: pod.spec.containers.map((c) => ({ ...c, env: [{ name: 'VERSION', value: '2' }] })) } };
    await view.publishDesired(desiredState(name, 2, [changed]));
    const after = await waitFor('a replacement container', async () => {
      const info = await waitForRunning(name, 'web');
      return info.Id !== before.Id ? info : undefined;
    });
    expect(await docker('exec', after.Id, 'sh', '-c', 'echo $VERSION')).toBe('2');
    expect(await podContainers(name, 'web')).toEqual([after.Id]);
    await waitFor('pod status for generation 2', () => view.podStatus(name, 'web')?.observedGeneration === 2 && view.podStatus(name, 'web')?.status.phase === 'Running');
  });

  it('removes a pod that left the desired state and clears its retained status', async () => {
    const name = node();
    await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('web'), testPod('db')]));
    await waitForRunning(name, 'web');
    await waitForRunning(name, 'db');
    await waitFor('both pod statuses', () => view.podStatus(name, 'web') && view.podStatus(name, 'db'));

    await view.publishDesired(desiredState(name, 2, [testPod('db')].map((p) => ({ ...p, uid: view.podStatus(name, 'db')?.uid ?? p.uid }))));
    await waitFor('the web container gone', async () => (await podContainers(name, 'web')).length === 0);
    await waitFor('the web status cleared', () => view.text(topics.podStatus(name, 'web')) === '');
    expect(view.podStatus(name, 'db')?.status.phase).toBe('Running');
  });

  it('never touches a foreign container nor one of another node', async () => {
    const name = node();
    const other = node();
    const foreign = await docker('run', '-d', '--label', `baton.test.foreign=${name}`, TEST_IMAGE, 'sleep', '3600');
    const others = await docker('run', '-d', '--label', `io.baton.node=${other}`, '--label', 'io.baton.pod=web', '--label', 'io.baton.pod-uid=x',
      '--label', 'io.baton.container=main', '--label', 'io.baton.spec-hash=0', TEST_IMAGE, 'sleep', '3600');
    try {
      await agentFor(name);
      await view.publishDesired(desiredState(name, 1, [testPod('web')]));
      await waitForRunning(name, 'web');
      await view.publishDesired(desiredState(name, 2, []));
      await waitFor('the pod removed', async () => (await podContainers(name, 'web')).length === 0);
      await waitFor('a few more passes', () => view.nodeStatus(name)?.observedGeneration === 2);
      expect((await inspect(foreign)).State.Running).toBe(true);
      expect((await inspect(others)).State.Running).toBe(true);
    } finally {
      await docker('rm', '-f', foreign);
    }
  });

  it('lets two agents with different node names share one engine', async () => {
    const a = node();
    const b = node();
    await agentFor(a);
    await agentFor(b);
    await view.publishDesired(desiredState(a, 1, [testPod('web')]));
    await view.publishDesired(desiredState(b, 1, [testPod('web')]));
    const webA = await waitForRunning(a, 'web');
    const webB = await waitForRunning(b, 'web');
    await view.publishDesired(desiredState(a, 2, []));
    await waitFor('a\'s pod removed', async () => (await podContainers(a, 'web')).length === 0);
    expect(webA.Id).not.toBe(webB.Id);
    const stillB = await waitForRunning(b, 'web');
    expect(stillB.Id).toBe(webB.Id);
    expect(stillB.State.StartedAt).toBe(webB.State.StartedAt);
  });

  it('logs and ignores garbage on the desired topic; the pod keeps running', async () => {
    const name = node();
    const agent = await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('web')]));
    const before = await waitForRunning(name, 'web');

    const rejections = (): { node: string; reason: string }[] =>
      agent.process.output().split('\n').filter((l) => l.includes('invalid desired state')).map((l) => JSON.parse(l) as { node: string; reason: string });
    await view.publishRaw(topics.nodeDesired(name), '{ this is not json');
    await waitFor('the log line for the garbage', () => rejections().length === 1);
    await view.publishRaw(topics.nodeDesired(name), JSON.stringify({ protocol: 'v1', node: name, generation: 'three', pods: [] }));
    await waitFor('the log line for the invalid state', () => rejections().length === 2);
    const [garbage, invalid] = rejections();
    expect(garbage).toMatchObject({ node: name, reason: expect.stringContaining('not JSON') });
    expect(invalid).toMatchObject({ node: name, reason: expect.stringContaining('generation') });

    await waitFor('a heartbeat after the garbage', () => Date.now() - Date.parse(view.nodeStatus(name)?.time ?? '0') < 1500);
    expect(agent.process.child.exitCode).toBeNull();
    const after = await waitForRunning(name, 'web');
    expect(after.Id).toBe(before.Id);
    expect(view.nodeStatus(name)?.state).toBe('online');
  });

  it('restarts a container that exited under restartPolicy Always and counts the restart', async () => {
    const name = node();
    await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('job', { command: ['sh', '-c', 'sleep 0.5; exit 3'], restartPolicy: 'Always' })]));
    const report = await waitFor('restartCount 1', () => {
      const r = view.podStatus(name, 'job');
      return (r?.status.containerStatuses[0]?.restartCount ?? 0) >= 1 ? r : undefined;
    }, { timeoutMs: 30_000 });
    const status = report.status.containerStatuses[0];
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(report.status.phase).toBe('Running');
    // The exited instance is gone; only the current one (restart 1 or later) remains.
    const ids = await podContainers(name, 'job');
    expect(ids.length).toBe(1);
    const labels = (await inspect(ids[0] ?? '')).Config.Labels;
    expect(Number(labels['io.baton.restart-count'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps counting restarts across an agent restart', async () => {
    const name = node();
    // A 1 s back-off (kubelet's is 10 s): the restart owed after the agent's own restart comes within the test's time.
    const first = await agentFor(name, ['--backoff', '1s']);
    await view.publishDesired(desiredState(name, 1, [testPod('job', { command: ['sh', '-c', 'sleep 0.5; exit 2'], restartPolicy: 'Always' })]));
    const count = (): number => view.podStatus(name, 'job')?.status.containerStatuses[0]?.restartCount ?? -1;
    await waitFor('restartCount 1', () => count() >= 1, { timeoutMs: 30_000 });
    await first.process.stop('SIGKILL');
    const before = count();
    await agentFor(name, ['--backoff', '1s']);
    const seen: number[] = [];
    await waitFor(`restartCount ${before + 1}`, () => {
      seen.push(count());
      return count() >= before + 1;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(before);
    const ids = await podContainers(name, 'job');
    const labels = await Promise.all(ids.map(async (id) => Number((await inspect(id)).Config.Labels['io.baton.restart-count'])));
    expect(Math.max(...labels)).toBeGreaterThanOrEqual(before + 1);
  });
});
