import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { HostPathType } from '../../protocol/manifest.js';
import type { PodStatusReport } from '../../protocol/messages.js';
import { docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { desiredState, inspect, podContainers, QUICK_PASS_MS, QUICK_PASSES, specPod, startAgent, uniqueNode, waitForRunning, type PodSpecInput, type StartedAgent } from './agent-harness.js';
import { useAgentTestBed } from './agent-testbed.js';

/**
 * Admission on a real agent and the real Docker engine, as a user sees it on the
 * broker: privileged containers, hostNetwork, hostPath and devices are refused on a
 * node whose agent was not given the flag for them (phase Failed, reason Forbidden, no
 * container made), and run where it was. A flag taken away across a restart takes the
 * pod away with it.
 */

const bed = useAgentTestBed();
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'baton-admission-')));
  dirs.push(dir);
  return dir;
}

const sleeper = { image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent' as const, command: ['sleep', '3600'] };
// `sleep` as PID 1 ignores SIGTERM: no grace period, so a removal is not held up by one.
const spec = (extra: Partial<PodSpecInput>): PodSpecInput => ({ terminationGracePeriodSeconds: 0, containers: [{ ...sleeper, name: 'main' }], ...extra });
const mounting = (path: string, type: HostPathType = '', mountPath = '/mnt/v'): PodSpecInput =>
  spec({ containers: [{ ...sleeper, name: 'main', volumeMounts: [{ name: 'v', mountPath }] }], volumes: [{ name: 'v', hostPath: { path, type } }] });

/** The four pods a strict node refuses, and what their refusal must name. */
function askingPods(dataDir: string) {
  return [
    { pod: specPod('priv', spec({ containers: [{ ...sleeper, name: 'main', securityContext: { privileged: true } }] })), names: ['container main', 'securityContext.privileged', '--allow-privileged'] },
    { pod: specPod('hostnet', spec({ hostNetwork: true })), names: ['hostNetwork', '--allow-host-network'] },
    { pod: specPod('paths', mounting(dataDir, 'Directory')), names: [`hostPath ${dataDir}`, 'volume v', `--allow-host-path ${dataDir}`] },
    { pod: specPod('device', mounting('/dev/zero', 'CharDevice', '/dev/mydev')), names: ['device /dev/zero', 'volume v', 'CharDevice', '--allow-device /dev/zero'] },
  ];
}

async function waitForStatus(node: string, pod: string, what: string, test: (r: PodStatusReport) => boolean, timeoutMs = 20_000): Promise<PodStatusReport> {
  try {
    return await waitFor(`pod ${pod}: ${what}`, () => {
      const report = bed.view.podStatus(node, pod);
      return report !== undefined && test(report) ? report : undefined;
    }, { timeoutMs });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(bed.view.podStatus(node, pod)?.status)}`, { cause: error });
  }
}

const isForbidden = (r: PodStatusReport): boolean => r.status.phase === 'Failed' && r.status.reason === 'Forbidden';
const isRunning = (r: PodStatusReport): boolean => r.status.phase === 'Running' && r.status.containerStatuses.every((c) => c.state.running !== undefined);

/** Waits until the node (its agent started with QUICK_PASSES) has published two more heartbeats, so at least one more pass has run. */
async function aFewPassesLater(node: string): Promise<void> {
  const seen = Date.now();
  await waitFor('two more node heartbeats', () => Date.parse(bed.view.nodeStatus(node)?.time ?? '0') > seen + 1.5 * QUICK_PASS_MS, { timeoutMs: 10_000 });
}

describe('admission on a node', () => {
  it('without --allow-* flags: a privileged, a hostNetwork, a hostPath and a device pod are Failed, Forbidden, with no container in Docker', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(dataDir);
    const strict = await bed.node('adm', QUICK_PASSES);
    const pods = askingPods(dataDir);
    await bed.view.publishDesired(desiredState(strict.node, 1, [...pods.map((p) => p.pod), specPod('plain', spec({}))]));

    await waitForStatus(strict.node, 'plain', 'Running', isRunning);
    for (const { pod, names } of pods) {
      const report = await waitForStatus(strict.node, pod.name, 'Failed, Forbidden', isForbidden);
      expect(report.status.containerStatuses).toEqual([]);
      for (const name of names) expect(report.status.message, `${pod.name}: ${report.status.message}`).toContain(name);
    }
    expect(bed.view.nodeStatus(strict.node)?.allows).toEqual({ privileged: false, hostNetwork: false, hostPaths: [], devices: [] });

    await aFewPassesLater(strict.node);
    for (const { pod } of pods) expect(await podContainers(strict.node, pod.name), pod.name).toEqual([]);
    expect(strict.events.filter((e) => e.pod !== 'plain')).toEqual([]);
  });

  it('with the flags: the hostNetwork, hostPath and device pods run; privileged still needs its own flag, and a neighbouring path is refused', async () => {
    const base = await tempDir();
    const dataDir = join(base, 'data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'from-host'), 'host-data');
    await mkdir(join(base, 'database'));
    const lenient = await bed.node('adm', ['--allow-host-network', '--allow-host-path', `${dataDir}/`, '--allow-device', '/dev/zer*', ...QUICK_PASSES]);
    const pods = askingPods(dataDir);
    const database = specPod('database', mounting(join(base, 'database'), 'Directory'));
    const climbing = specPod('climbing', mounting(`${dataDir}/../database`));
    await bed.view.publishDesired(desiredState(lenient.node, 1, [...pods.map((p) => p.pod), database, climbing]));

    for (const name of ['hostnet', 'paths', 'device']) await waitForStatus(lenient.node, name, 'Running', isRunning);
    const hostnet = await inspectOne(lenient.node, 'hostnet');
    expect(hostnet.HostConfig.NetworkMode).toBe('host');
    const paths = await inspectOne(lenient.node, 'paths');
    expect(paths.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: dataDir, Destination: '/mnt/v' }));
    expect(await docker('exec', paths.Id, 'cat', '/mnt/v/from-host')).toBe('host-data');
    const device = await inspectOne(lenient.node, 'device');
    expect(device.HostConfig.Devices).toEqual([{ PathOnHost: '/dev/zero', PathInContainer: '/dev/mydev', CgroupPermissions: 'rwm' }]);

    const priv = await waitForStatus(lenient.node, 'priv', 'Failed, Forbidden', isForbidden);
    expect(priv.status.message).toContain('--allow-privileged');
    const neighbour = await waitForStatus(lenient.node, 'database', 'Failed, Forbidden', isForbidden);
    expect(neighbour.status.message).toContain(`hostPath ${join(base, 'database')} is not allowed`);
    const climbed = await waitForStatus(lenient.node, 'climbing', 'Failed, Forbidden', isForbidden);
    expect(climbed.status.message).toContain(`(that is ${join(base, 'database')}) is not allowed`);
    expect(bed.view.nodeStatus(lenient.node)?.allows).toEqual({ privileged: false, hostNetwork: true, hostPaths: [dataDir], devices: ['/dev/zer*'] });

    await aFewPassesLater(lenient.node);
    for (const name of ['priv', 'database', 'climbing']) expect(await podContainers(lenient.node, name), name).toEqual([]);
  });

  it('a symbolic link in an allowed directory that leads out of it: the container is not created, and the status says where it leads', async () => {
    const base = await tempDir();
    const dataDir = join(base, 'data');
    await mkdir(dataDir);
    await mkdir(join(base, 'secret'));
    await symlink(join(base, 'secret'), join(dataDir, 'escape'));
    const node = await bed.node('adm', ['--allow-host-path', dataDir]);
    await bed.view.publishDesired(desiredState(node.node, 1, [specPod('escape', mounting(join(dataDir, 'escape', 'made'), 'DirectoryOrCreate'))]));

    const report = await waitForStatus(node.node, 'escape', 'CreateContainerConfigError', (r) => r.status.containerStatuses[0]?.state.waiting?.reason === 'CreateContainerConfigError');
    expect(report.status.phase).toBe('Pending');
    expect(report.status.containerStatuses[0]?.state.waiting?.message).toContain(`leads to ${join(base, 'secret', 'made')} through a symbolic link`);
    await waitFor('a FailedMount event', () => node.events.some((e) => e.pod === 'escape' && e.reason === 'FailedMount'));
    expect(await podContainers(node.node, 'escape')).toEqual([]);
    expect(existsSync(join(base, 'secret', 'made'))).toBe(false);
  });
});

describe('a flag taken away across an agent restart', () => {
  const node = uniqueNode('adm-restart');
  let agent: StartedAgent | undefined;
  let stateDir: string | undefined;

  afterEach(async () => {
    await agent?.process.stop('SIGKILL');
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
    await removeNodeContainers(node);
  });

  it('the pod it no longer allows is stopped, removed and Failed, Forbidden; the others run on untouched', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'baton-admission-state-'));
    agent = await startAgent(bed.broker.url, node, { stateDir, args: ['--allow-host-network'] });
    await bed.view.publishDesired(desiredState(node, 1, [specPod('hostnet', spec({ hostNetwork: true })), specPod('plain', spec({}))]));
    const before = await waitForRunning(node, 'hostnet');
    await waitForStatus(node, 'hostnet', 'Running', isRunning);
    const plainBefore = await waitForRunning(node, 'plain');

    await agent.process.stop('SIGTERM');
    // The agent stops; its containers do not.
    expect((await inspect(before.Id)).State.Running).toBe(true);
    agent = await startAgent(bed.broker.url, node, { stateDir });

    const refused = await waitForStatus(node, 'hostnet', 'Failed, Forbidden', isForbidden);
    expect(refused.status.message).toContain('--allow-host-network');
    await waitFor('the hostNetwork container removed', async () => (await podContainers(node, 'hostnet')).length === 0);
    await waitFor('the node to say it allows nothing', () => bed.view.nodeStatus(node)?.allows?.hostNetwork === false);
    expect(await podContainers(node, 'plain')).toEqual([plainBefore.Id]);
    expect((await inspect(plainBefore.Id)).State.StartedAt).toBe(plainBefore.State.StartedAt);
  });
});

interface Details {
  Id: string;
  HostConfig: { NetworkMode: string; Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null };
  Mounts: { Type: string; Source: string; Destination: string }[];
}

async function inspectOne(node: string, pod: string): Promise<Details> {
  const [id, ...more] = await podContainers(node, pod);
  if (id === undefined || more.length > 0) throw new Error(`pod ${pod}: expected one container, found ${[id, ...more].length}`);
  const [info] = JSON.parse(await docker('inspect', id)) as Details[];
  if (!info) throw new Error(`no container ${id}`);
  return info;
}
