import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli, startProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltCli } from './cli-fixtures.js';
import { FakeNode, imageOf } from './fake-node.js';
import {
  deploymentManifest,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  startCoordinatorOn,
  type BrokerKind,
  type ListedItem,
  type StartedCoordinator,
} from './coordinator-harness.js';

/**
 * `baton scale` and `baton rollout status|undo|history|restart` end to end: the built
 * CLI against the built coordinator, on the embedded broker and on mosquitto. One fake
 * node plays an agent: it sends heartbeats and publishes a retained status report for
 * every pod bound to it, Ready or not as the test decides, and clears the report of a
 * pod once it is gone, as an agent does.
 */

beforeAll(async () => {
  requireBuiltCoordinator();
  await requireBuiltCli();
});

const NODE = 'node-a';
const GOOD = 'baton-test/busybox:1';
const MISSING = 'baton-test/missing:0';
const HASH = 'pod-template-hash';

function withCause(manifest: Record<string, unknown>, cause: string): Record<string, unknown> {
  const metadata = manifest.metadata as Record<string, unknown>;
  return { ...manifest, metadata: { ...metadata, annotations: { 'kubernetes.io/change-cause': cause } } };
}

describe.each<BrokerKind>(['embedded', 'mosquitto'])('scale and rollout over the %s broker', (kind) => {
  let started: StartedCoordinator;
  let node: FakeNode;

  beforeEach(async () => {
    started = await startCoordinatorOn(kind);
    await started.client.setNode(fakeNodeStatus(NODE));
    await waitFor('the coordinator to know the node', async () => (await started.client.list('nodes')).length === 1);
    node = new FakeNode(started.client, NODE, (pod) => (imageOf(pod) === MISSING ? 'imagePullBackOff' : 'ready'));
    node.start();
  });

  afterEach(async (context) => {
    node.stop();
    if (context.task.result?.state === 'fail') console.log(`coordinator output:\n${started.coordinator.output()}`);
    await started.client.stop();
    await started.coordinator.stop();
    await started.broker.stop();
    await removeDir(started.stateDir);
  });

  const baton = (...args: string[]) => runCli(args, { env: { BATON_BROKER: started.broker.url, BATON_TIMEOUT: '10' } });
  const apply = (manifest: unknown) => runCli(['apply', '-f', '-'], { env: { BATON_BROKER: started.broker.url, BATON_TIMEOUT: '10' }, input: JSON.stringify(manifest) });
  const podsOf = async (owner: string): Promise<ListedItem[]> =>
    (await started.client.list('pods')).filter((p) => p.metadata.ownerReferences?.some((o) => o.name === owner));
  const hashes = async (owner: string): Promise<string[]> => (await podsOf(owner)).map((p) => p.metadata.labels?.[HASH] ?? '').sort();
  const storedDeployment = async (name: string) => {
    const shown = await baton('get', 'deployment', name, '-o', 'json');
    expect(shown.code, shown.stderr).toBe(0);
    return JSON.parse(shown.stdout) as { metadata: { generation: number }; spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } };
  };

  it('history lists the revisions, undo brings back the old template and its pods, scale and restart follow', async () => {
    expect(await apply(withCause(deploymentManifest('web', 2, { image: GOOD }), 'first'))).toMatchObject({ code: 0, stdout: 'deployment.apps/web created\n' });
    const first = await waitFor('2 web pods of one template', async () => {
      const found = await hashes('web');
      return found.length === 2 && found[0] !== '' && found[0] === found[1] && found[0];
    });
    expect(await baton('rollout', 'status', 'deployment/web', '--timeout', '20s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/deployment "web" successfully rolled out\n$/) });

    // A template whose pods never come up: the rollout stalls, and status says why.
    expect(await apply(deploymentManifest('web', 2, { image: MISSING }))).toMatchObject({ code: 0, stdout: 'deployment.apps/web configured\n' });
    await waitFor('a web pod of the new template', async () => (await hashes('web')).some((h) => h !== first));
    // Three reads of the stalled rollout, side by side.
    const [history, one, stalled] = await Promise.all([
      baton('rollout', 'history', 'deployment/web'),
      baton('rollout', 'history', 'deployment/web', '--revision', '1'),
      baton('rollout', 'status', 'deployment/web', '--timeout', '1s'),
    ]);
    expect(history).toEqual({
      code: 0,
      stdout: 'deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         first\n2         <none>\n\n',
      stderr: '',
    });
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:\n/);
    expect(one.stdout).toMatch(new RegExp(`^ +Image: +${GOOD}$`, 'm'));
    expect(one.stdout).toMatch(/^ +Annotations: +kubernetes\.io\/change-cause: first$/m);

    expect(stalled.code).toBe(1);
    expect(stalled.stderr).toBe('error: timed out waiting for the condition\n');
    expect(stalled.stdout).toMatch(new RegExp(`^Waiting for deployment "web" rollout to finish: .* \\(Warning: ImagePullBackOff - Back-off pulling image "${MISSING}"\\)\\n$`));

    expect(await baton('rollout', 'undo', 'deployment/web')).toEqual({ code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    const undone = await storedDeployment('web');
    expect(undone.spec.template.spec.containers[0]?.image).toBe(GOOD);
    expect(undone.metadata.generation).toBe(3);
    await waitFor('only pods of revision 1\'s template left', async () => JSON.stringify(await hashes('web')) === JSON.stringify([first, first]));
    expect(await baton('rollout', 'status', 'deployment/web', '--timeout', '20s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/deployment "web" successfully rolled out\n$/) });
    // The history, and two undos that change nothing, side by side.
    const [historyAfterUndo, toCurrent, toMissing] = await Promise.all([
      baton('rollout', 'history', 'deployment/web'),
      baton('rollout', 'undo', 'deployment/web', '--to-revision', '3'),
      baton('rollout', 'undo', 'deployment/web', '--to-revision', '9'),
    ]);
    expect(historyAfterUndo.stdout).toBe('deployment.apps/web\nREVISION  CHANGE-CAUSE\n2         <none>\n3         first\n\n');
    expect(toCurrent).toEqual({
      code: 0,
      stdout: 'deployment.apps/web skipped rollback (current template already matches revision 3)\n',
      stderr: '',
    });
    expect(toMissing).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find specified revision 9 in history\n' });

    expect(await baton('scale', 'deployment/web', '--replicas', '3')).toEqual({ code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
    await waitFor('3 web pods', async () => JSON.stringify(await hashes('web')) === JSON.stringify([first, first, first]));
    expect(await baton('scale', 'deployment', 'web', '--replicas', '1')).toMatchObject({ code: 0, stdout: 'deployment.apps/web scaled\n' });
    await waitFor('1 web pod', async () => (await hashes('web')).length === 1);
    expect((await storedDeployment('web')).spec.replicas).toBe(1);

    expect(await baton('rollout', 'restart', 'deployment/web')).toEqual({ code: 0, stdout: 'deployment.apps/web restarted\n', stderr: '' });
    expect((await storedDeployment('web')).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The undo gave the Deployment revision 1's change-cause, as kubectl's does; the restart's revision takes it on.
    expect((await baton('rollout', 'history', 'deployment/web')).stdout).toBe('deployment.apps/web\nREVISION  CHANGE-CAUSE\n2         <none>\n3         first\n4         first\n\n');
    await waitFor('the restarted pod replacing the old one', async () => {
      const found = await hashes('web');
      return found.length === 1 && found[0] !== first;
    });
    expect(await baton('rollout', 'status', 'deployment/web', '--timeout', '20s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/deployment "web" successfully rolled out\n$/) });

    // Four commands that change nothing, run side by side.
    const [scaleNope, statusNope, undoNope, usage] = await Promise.all([
      baton('scale', 'deployment/nope', '--replicas', '1'),
      baton('rollout', 'status', 'deployment/nope'),
      baton('rollout', 'undo', 'deployment/nope'),
      baton('scale', 'deployment/web'),
    ]);
    expect(scaleNope).toEqual({ code: 1, stdout: '', stderr: 'Error from coordinator: deployments.apps "nope" not found\n' });
    expect(statusNope).toEqual({ code: 1, stdout: '', stderr: 'Error from coordinator: deployments.apps "nope" not found\n' });
    expect(undoNope).toEqual({ code: 1, stdout: '', stderr: 'Error from coordinator: deployments.apps "nope" not found\n' });
    expect(usage).toMatchObject({ code: 2, stderr: "error: scale: --replicas N is required (see 'baton --help')\n" });
  });

  it('rollout status waits for the pods to be Ready, prints each step once, and times out while they are not', async () => {
    node.verdict = () => 'notReady';
    expect(await apply(deploymentManifest('api', 2, { image: GOOD }))).toMatchObject({ code: 0 });
    await waitFor('2 api pods reported', async () => (await podsOf('api')).length === 2);
    const waiting = 'Waiting for deployment "api" rollout to finish: 0 of 2 updated replicas are available...\n';
    await waitFor('the Deployment to see its pods not available', async () => (await baton('rollout', 'status', 'deployment/api', '--watch=false')).stdout === waiting);
    expect(await baton('rollout', 'status', 'deployment/api', '--watch=false')).toEqual({ code: 0, stdout: waiting, stderr: '' });

    const timedOut = await baton('rollout', 'status', 'deployment/api', '--timeout', '1s');
    expect(timedOut).toEqual({ code: 1, stdout: waiting, stderr: 'error: timed out waiting for the condition\n' });

    // A watch started while the pods are not Ready ends when they become Ready.
    const watch = startProcess(process.execPath, [`${repoRoot}dist/baton.js`, 'rollout', 'status', 'deployment/api', '--timeout', '30s'], {
      BATON_BROKER: started.broker.url,
      BATON_TIMEOUT: '10',
    });
    await waitFor('the watch to print the waiting step', () => watch.output().includes(waiting));
    node.verdict = () => 'ready';
    await waitFor('the watch to end', () => watch.child.exitCode !== null, { timeoutMs: 30_000 });
    expect(watch.child.exitCode).toBe(0);
    expect(watch.output()).toBe(`${waiting}deployment "api" successfully rolled out\n`);

    // A DaemonSet rolls out and restarts too.
    const agent = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'app', image: GOOD, command: ['sleep', '3600'] }] } },
      },
    };
    expect(await apply(agent)).toMatchObject({ code: 0, stdout: 'daemonset.apps/agent created\n' });
    expect(await baton('rollout', 'status', 'daemonset/agent', '--timeout', '20s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/daemon set "agent" successfully rolled out\n$/) });
    const before = (await podsOf('agent')).map((p) => p.metadata.uid);
    expect(await baton('rollout', 'restart', 'ds/agent')).toEqual({ code: 0, stdout: 'daemonset.apps/agent restarted\n', stderr: '' });
    await waitFor('the DaemonSet pod replaced', async () => {
      const now = (await podsOf('agent')).map((p) => p.metadata.uid);
      return now.length === 1 && !before.includes(now[0] ?? '');
    });
    expect(await baton('rollout', 'status', 'daemonset/agent', '--timeout', '20s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/daemon set "agent" successfully rolled out\n$/) });
    expect(await baton('rollout', 'undo', 'daemonset/agent')).toMatchObject({ code: 2, stderr: expect.stringContaining('rollout undo: daemonsets are not supported') });
  });
});
