import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent, PodStatusReport } from '../../protocol/messages.js';
import { containersWithLabels, docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, podContainers, QUICK_PASS_MS, QUICK_PASSES, recordEvents, requireBuiltAgent, specPod, startAgent, topics, uniqueNode, type PodSpecInput, type StartedAgent } from './agent-harness.js';

/**
 * What the containers of a pod share, and what a pod may take from its node, as a user
 * sees it on the pod's retained topic, checked against `docker inspect` and `docker exec`
 * so that nothing is taken on the agent's word: localhost between containers, emptyDir,
 * hostPath (binds and devices), env fieldRefs, hostNetwork and privileged admission.
 */

let broker: Mosquitto;
let view: BrokerView;
const agents: StartedAgent[] = [];
const nodes: string[] = [];
const dirs: string[] = [];
const recorders: { stop: () => Promise<void> }[] = [];

/** `docker inspect` of a container, the parts these tests read. */
interface Details {
  Id: string;
  State: { Running: boolean; Pid: number };
  Config: { Env: string[] | null };
  HostConfig: { NetworkMode: string; Privileged: boolean; Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: { IPAddress: string };
}

async function details(id: string): Promise<Details> {
  const [info] = JSON.parse(await docker('inspect', id)) as Details[];
  if (!info) throw new Error(`no container ${id}`);
  return info;
}

/** A node with its own agent; its events recorded. */
async function nodeWithAgent(args: string[] = []): Promise<{ node: string; events: NodeEvent[] }> {
  const node = uniqueNode('ps');
  nodes.push(node);
  const recorder = await recordEvents(broker.url, node);
  recorders.push(recorder);
  agents.push(await startAgent(broker.url, node, { args }));
  return { node, events: recorder.events };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-hostpath-'));
  dirs.push(dir);
  return dir;
}

/** The running container `container` of the pod (`POD` for its sandbox). */
async function running(node: string, pod: string, container: string): Promise<Details> {
  return waitFor(`container ${container} of pod ${pod} running`, async () => {
    const ids = await containersWithLabels(`io.baton.node=${node}`, `io.baton.pod=${pod}`, `io.baton.container=${container}`);
    const all = await Promise.all(ids.map(details));
    const up = all.filter((d) => d.State.Running);
    return up.length === 1 ? up[0] : undefined;
  });
}

/** Waits for the pod's retained status to pass `test`; a timeout says what the status was. */
async function waitForStatus(node: string, pod: string, what: string, test: (r: PodStatusReport) => boolean, timeoutMs = 20_000): Promise<PodStatusReport> {
  try {
    return await waitFor(`pod ${pod}: ${what}`, () => {
      const report = view.podStatus(node, pod);
      return report !== undefined && test(report) ? report : undefined;
    }, { timeoutMs });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(view.podStatus(node, pod)?.status)}`, { cause: error });
  }
}

const isReady = (r: PodStatusReport): boolean => r.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
const isRunning = (r: PodStatusReport): boolean => r.status.phase === 'Running';

async function exec(id: string, script: string): Promise<string> {
  return docker('exec', id, 'sh', '-c', script);
}

/** A pod spec with no grace period (busybox `sleep` as PID 1 ignores SIGTERM, so any grace would be sat out in full). */
function pod(spec: Omit<PodSpecInput, 'terminationGracePeriodSeconds'>): PodSpecInput {
  return { terminationGracePeriodSeconds: 0, ...spec };
}

const sleeper = { image: TEST_IMAGE, command: ['sleep', '3600'] };

beforeAll(async () => {
  requireBuiltAgent();
  broker = await startMosquitto();
  view = await BrokerView.connect(broker.url);
});

afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
  await Promise.all(agents.splice(0).map(async (a) => {
    await a.process.stop('SIGKILL');
    await rm(a.stateDir, { recursive: true, force: true });
  }));
  for (const node of nodes.splice(0)) {
    await removeNodeContainers(node);
    const volumes = await docker('volume', 'ls', '-q', '--filter', `label=io.baton.node=${node}`);
    if (volumes !== '') await docker('volume', 'rm', '-f', ...volumes.split('\n'));
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await view?.close();
  await broker?.stop();
});

describe('what the containers of a pod share', () => {
  it('two containers talk over localhost in the network namespace of the pod sandbox', async () => {
    const { node } = await nodeWithAgent();
    const duo = specPod('duo', pod({
      containers: [
        // Loopback only: reachable from a container sharing its network namespace, from nowhere else.
        { name: 'web', image: TEST_IMAGE, command: ['sh', '-c', 'mkdir -p /tmp/www && echo hello-from-web > /tmp/www/x && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www'] },
        { ...sleeper, name: 'client', readinessProbe: { exec: { command: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/x'] }, periodSeconds: 1 } },
      ],
    }));
    await view.publishDesired(desiredState(node, 1, [duo]));
    const report = await waitForStatus(node, 'duo', 'Ready', isReady);
    expect(report.status.containerStatuses.map((c) => [c.name, c.ready])).toEqual([['web', true], ['client', true]]);

    const [sandbox, web, client] = await Promise.all([running(node, 'duo', 'POD'), running(node, 'duo', 'web'), running(node, 'duo', 'client')]);
    expect(await exec(client.Id, 'wget -q -O - http://127.0.0.1:8080/x')).toBe('hello-from-web');
    expect(web.HostConfig.NetworkMode).toBe(`container:${sandbox.Id}`);
    expect(client.HostConfig.NetworkMode).toBe(`container:${sandbox.Id}`);
    // The very same network namespace, as the kernel says.
    const namespaces = await Promise.all([sandbox, web, client].map((c) => readlink(`/proc/${c.State.Pid}/ns/net`)));
    expect(new Set(namespaces).size).toBe(1);
    expect(report.status.podIP).toBe(sandbox.NetworkSettings.IPAddress);
    expect(report.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // From outside the pod, the pod IP does not serve what web serves on its loopback.
    await expect(fetch(`http://${report.status.podIP}:8080/x`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('an emptyDir shared by two containers survives a container restart and goes with the pod', async () => {
    const { node } = await nodeWithAgent();
    const mount = [{ name: 'shared', mountPath: '/shared' }];
    const shared = specPod('shared', pod({
      volumes: [{ name: 'shared', emptyDir: {} }],
      containers: [
        // Each start adds a line: after a restart the first start's line must still be there.
        { name: 'writer', image: TEST_IMAGE, command: ['sh', '-c', 'cat /proc/sys/kernel/random/uuid >> /shared/hello && exec sleep 3600'], volumeMounts: mount },
        { ...sleeper, name: 'reader', volumeMounts: mount, readinessProbe: { exec: { command: ['cat', '/shared/hello'] }, periodSeconds: 1 } },
      ],
    }));
    await view.publishDesired(desiredState(node, 1, [shared]));
    await waitForStatus(node, 'shared', 'Ready', isReady);
    const [writer, reader] = await Promise.all([running(node, 'shared', 'writer'), running(node, 'shared', 'reader')]);
    const volumes = (await docker('volume', 'ls', '-q', '--filter', `label=io.baton.pod-uid=${shared.uid}`)).split('\n');
    expect(volumes).toHaveLength(1);
    for (const c of [writer, reader]) expect(c.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Name: volumes[0], Destination: '/shared', RW: true }));
    const first = await exec(reader.Id, 'cat /shared/hello');
    expect(first.split('\n')).toHaveLength(1);

    await docker('kill', writer.Id);
    await waitForStatus(node, 'shared', 'writer restarted', (r) => r.status.containerStatuses.some((c) => c.name === 'writer' && c.restartCount === 1 && c.state.running !== undefined));
    const restarted = await running(node, 'shared', 'writer');
    expect(restarted.Id).not.toBe(writer.Id);
    const lines = (await exec(reader.Id, 'cat /shared/hello')).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(first);
    expect(await exec(restarted.Id, 'cat /shared/hello')).toBe(lines.join('\n'));

    await view.publishDesired(desiredState(node, 2, []));
    await waitFor('the pod status cleared', () => view.text(topics.podStatus(node, 'shared')) === '');
    await waitFor('the pod containers gone', async () => (await podContainers(node, 'shared')).length === 0);
    await waitFor('the emptyDir volume removed', async () => (await docker('volume', 'ls', '-q', '--filter', `label=io.baton.pod-uid=${shared.uid}`)) === '');
  });

  it('a memory emptyDir of a one-container pod is held by its sandbox: a restart does not empty it', async () => {
    const { node } = await nodeWithAgent();
    const ram = specPod('ram', pod({
      volumes: [{ name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '4Mi' } }],
      containers: [
        { name: 'writer', image: TEST_IMAGE, command: ['sh', '-c', 'cat /proc/sys/kernel/random/uuid >> /ram/hello && exec sleep 3600'], volumeMounts: [{ name: 'ram', mountPath: '/ram' }] },
      ],
    }));
    await view.publishDesired(desiredState(node, 1, [ram]));
    await waitForStatus(node, 'ram', 'Ready', isReady);
    const writer = await running(node, 'ram', 'writer');
    expect(writer.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Destination: '/ram' }));
    expect(await exec(writer.Id, 'df -k /ram | tail -n 1')).toMatch(/^tmpfs\s+4096\s/);
    const first = await exec(writer.Id, 'cat /ram/hello');

    await docker('kill', writer.Id);
    await waitForStatus(node, 'ram', 'writer restarted', (r) => r.status.containerStatuses.some((c) => c.restartCount === 1 && c.state.running !== undefined));
    const restarted = await running(node, 'ram', 'writer');
    const lines = (await exec(restarted.Id, 'cat /ram/hello')).split('\n');
    expect(lines).toEqual([first, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });
});

describe('what a pod takes from its node', () => {
  it('hostPath: read-only and writable binds, DirectoryOrCreate, and a missing Directory refused with FailedMount', async () => {
    const base = await tempDir();
    const { node, events } = await nodeWithAgent(['--allow-host-path', base]);
    await mkdir(join(base, 'ro'));
    await mkdir(join(base, 'rw'));
    await writeFile(join(base, 'ro', 'from-host'), 'host-data');
    const paths = specPod('paths', pod({
      volumes: [
        { name: 'ro', hostPath: { path: join(base, 'ro') } },
        { name: 'rw', hostPath: { path: join(base, 'rw'), type: 'Directory' } },
        { name: 'made', hostPath: { path: join(base, 'made', 'deep'), type: 'DirectoryOrCreate' } },
      ],
      containers: [{
        name: 'main',
        image: TEST_IMAGE,
        command: ['sh', '-c', 'cat /ro/from-host > /rw/copied; if touch /ro/denied 2>/dev/null; then echo writable; else echo refused; fi > /rw/ro-write; touch /made/inside; exec sleep 3600'],
        volumeMounts: [{ name: 'ro', mountPath: '/ro', readOnly: true }, { name: 'rw', mountPath: '/rw' }, { name: 'made', mountPath: '/made' }],
      }],
    }));
    const absentPath = join(base, 'absent');
    const absent = specPod('absent', pod({
      volumes: [{ name: 'data', hostPath: { path: absentPath, type: 'Directory' } }],
      containers: [{ ...sleeper, name: 'main', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    }));
    await view.publishDesired(desiredState(node, 1, [paths, absent]));

    await waitForStatus(node, 'paths', 'Running', isRunning);
    await waitFor('the container wrote its results', () => existsSync(join(base, 'rw', 'ro-write')) && existsSync(join(base, 'made', 'deep', 'inside')));
    expect(readFileSync(join(base, 'rw', 'copied'), 'utf8')).toBe('host-data');
    expect(readFileSync(join(base, 'rw', 'ro-write'), 'utf8')).toBe('refused\n');
    expect(existsSync(join(base, 'ro', 'denied'))).toBe(false);
    expect(statSync(join(base, 'made', 'deep')).isDirectory()).toBe(true);
    const main = await running(node, 'paths', 'main');
    expect(main.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: join(base, 'ro'), Destination: '/ro', RW: false }));
    expect(main.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: join(base, 'rw'), Destination: '/rw', RW: true }));

    const refused = await waitForStatus(node, 'absent', 'CreateContainerConfigError', (r) => r.status.containerStatuses[0]?.state.waiting?.reason === 'CreateContainerConfigError');
    expect(refused.status.phase).toBe('Pending');
    expect(refused.status.containerStatuses[0]?.state.waiting?.message).toContain(absentPath);
    await waitFor('a FailedMount event', () => events.some((e) => e.pod === 'absent' && e.reason === 'FailedMount'));
    expect(events.find((e) => e.pod === 'absent' && e.reason === 'FailedMount')?.message).toContain(absentPath);
    expect(await podContainers(node, 'absent')).toEqual([]);
    expect(existsSync(absentPath)).toBe(false);
  });

  it('a hostPath character device is mapped as a device, not bound', async () => {
    const { node } = await nodeWithAgent(['--allow-device', '/dev/zero']);
    const device = specPod('device', pod({
      volumes: [{ name: 'zero', hostPath: { path: '/dev/zero', type: 'CharDevice' } }],
      containers: [{ ...sleeper, name: 'main', volumeMounts: [{ name: 'zero', mountPath: '/dev/mydev' }] }],
    }));
    await view.publishDesired(desiredState(node, 1, [device]));
    await waitForStatus(node, 'device', 'Running', isRunning);
    const main = await running(node, 'device', 'main');
    expect(await exec(main.Id, 'test -c /dev/mydev && head -c 4 /dev/mydev | wc -c')).toBe('4');
    expect(main.HostConfig.Devices).toEqual([{ PathOnHost: '/dev/zero', PathInContainer: '/dev/mydev', CgroupPermissions: 'rwm' }]);
    expect(main.Mounts.filter((m) => m.Source === '/dev/zero' || m.Destination === '/dev/mydev')).toEqual([]);
  });

  it('env: values and fieldRefs (pod name, node name, pod IP, host IP) as the container sees them', async () => {
    const { node } = await nodeWithAgent();
    const field = (name: string, fieldPath: 'metadata.name' | 'spec.nodeName' | 'status.podIP' | 'status.hostIP') => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const envPod = specPod('env', pod({
      containers: [{
        ...sleeper,
        name: 'main',
        env: [{ name: 'GREETING', value: 'hello world' }, field('POD_NAME', 'metadata.name'), field('NODE_NAME', 'spec.nodeName'), field('POD_IP', 'status.podIP'), field('HOST_IP', 'status.hostIP')],
      }],
    }));
    await view.publishDesired(desiredState(node, 1, [envPod]));
    const report = await waitForStatus(node, 'env', 'Running', isRunning);
    const main = await running(node, 'env', 'main');
    const env = new Map((await exec(main.Id, 'env')).split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(report.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(report.status.hostIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(Object.fromEntries(['GREETING', 'POD_NAME', 'NODE_NAME', 'POD_IP', 'HOST_IP'].map((k) => [k, env.get(k)]))).toEqual({
      GREETING: 'hello world',
      POD_NAME: 'env',
      NODE_NAME: node,
      POD_IP: report.status.podIP,
      HOST_IP: report.status.hostIP,
    });
    // The pod IP is the address the pod really has: the sandbox's, and the container's own.
    expect((await running(node, 'env', 'POD')).NetworkSettings.IPAddress).toBe(report.status.podIP);
    expect(await exec(main.Id, 'ip -o -4 addr show dev eth0')).toContain(` inet ${report.status.podIP}/`);
  });

  it('hostNetwork: the pod runs in the host network namespace and its podIP is the hostIP', async () => {
    const { node } = await nodeWithAgent(['--allow-host-network']);
    await view.publishDesired(desiredState(node, 1, [specPod('host', pod({ hostNetwork: true, containers: [{ ...sleeper, name: 'main' }] }))]));
    const report = await waitForStatus(node, 'host', 'Running', isRunning);
    const main = await running(node, 'host', 'main');
    expect(main.HostConfig.NetworkMode).toBe('host');
    expect(await readlink(`/proc/${main.State.Pid}/ns/net`)).toBe(await readlink('/proc/self/ns/net'));
    expect(report.status.hostIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(report.status.podIP).toBe(report.status.hostIP);
    // No sandbox: the host's namespace needs no holder.
    expect(await podContainers(node, 'host')).toEqual([main.Id]);
  });

  it('securityContext.privileged: refused without --allow-privileged, created privileged with it', async () => {
    const [strict, lenient] = await Promise.all([nodeWithAgent(QUICK_PASSES), nodeWithAgent(['--allow-privileged'])]);
    const privileged = () => specPod('priv', pod({ containers: [{ ...sleeper, name: 'main', securityContext: { privileged: true } }] }));
    await Promise.all([view.publishDesired(desiredState(strict.node, 1, [privileged()])), view.publishDesired(desiredState(lenient.node, 1, [privileged()]))]);

    const refused = await waitForStatus(strict.node, 'priv', 'Failed', (r) => r.status.phase === 'Failed');
    expect(refused.status.reason).toBe('Forbidden');
    expect(refused.status.message).toContain('--allow-privileged');
    const created = await waitFor('the privileged container created', async () => {
      const [id] = await podContainers(lenient.node, 'priv');
      return id !== undefined ? details(id) : undefined;
    });
    expect(created.HostConfig.Privileged).toBe(true);
    // Admitted, it fares as `docker run --privileged` does on this engine: some hosts (a
    // container without every capability) cannot start privileged containers at all.
    const plain = await docker('run', '--rm', '--privileged', TEST_IMAGE, 'true').then(() => 'runs', () => 'fails');
    const admitted = await waitForStatus(lenient.node, 'priv', plain === 'runs' ? 'Running' : 'RunContainerError', (r) =>
      plain === 'runs' ? isRunning(r) : r.status.containerStatuses[0]?.state.waiting?.reason === 'RunContainerError');
    expect(admitted.status.reason).toBeUndefined();
    // A pass later, the refused pod still has no container and no lifecycle event.
    const seen = Date.now();
    await waitFor('another node heartbeat', () => Date.parse(view.nodeStatus(strict.node)?.time ?? '0') > seen + QUICK_PASS_MS, { timeoutMs: 10_000 });
    expect(await podContainers(strict.node, 'priv')).toEqual([]);
    expect(strict.events.filter((e) => e.pod === 'priv')).toEqual([]);
  });
});
