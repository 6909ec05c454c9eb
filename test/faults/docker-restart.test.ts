import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredPod, PodStatusReport } from '../../protocol/messages.js';
import { TEST_IMAGE } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import type { NodeContainer } from '../support/node-containers.js';
import { startOwnDockerd, type OwnDockerd } from '../support/own-dockerd.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, requireBuiltAgent, specPod, startAgent, uniqueNode, type StartedAgent } from '../integration/agent-harness.js';
import { agentLog } from './agent-log.js';
import { sameInstances } from './pod-checks.js';

/**
 * dockerd killed with -9 under a running agent, then started again on the same data
 * root. Each test has its own engine (test/support/own-dockerd.ts), so the machine's own
 * is never touched. What a killed dockerd leaves depends on the engine's `live-restore`:
 *
 * - with it, the containers outlive the daemon (their shims keep them) and the engine
 *   adopts them again as it comes back; one whose process died meanwhile is seen exited;
 * - without it (Docker's default), the engine finds them still running as it comes back
 *   and stops each (SIGTERM, SIGKILL after 10 s) before it answers at all.
 *
 * Either way, while the engine is away the agent stays up, says its node is not Ready
 * (and why), and changes nothing; once the engine answers, the node is Ready again, what
 * still runs is kept as it is (same container, same start) and what died is started
 * again as its pod's restartPolicy says, once. The agent runs with a one-minute resync
 * so that all this must come from its watch on the engine, not from the safety net.
 */

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error(error));
});

/** Ends on SIGTERM at once (exit 143), as a well-behaved service does; a bare `sleep` as PID 1 would hold the engine's stop for 10 s. */
const SERVE = ['sh', '-c', 'trap "exit 143" TERM; sleep 3600 & wait $!'];

function servicePod(name: string, containers: readonly string[], restartPolicy: 'Always' | 'OnFailure'): DesiredPod {
  return specPod(name, {
    containers: containers.map((c) => ({ name: c, image: TEST_IMAGE, imagePullPolicy: 'Never', command: SERVE })),
    restartPolicy,
    terminationGracePeriodSeconds: 1,
  });
}

interface Setup {
  readonly engine: OwnDockerd;
  readonly view: BrokerView;
  readonly agent: StartedAgent;
  readonly node: string;
}

async function setUp(liveRestore: boolean, pods: readonly DesiredPod[]): Promise<Setup> {
  requireBuiltAgent();
  const node = uniqueNode('fdr');
  const engine = await startOwnDockerd({ liveRestore });
  cleanups.push(() => engine.remove());
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const view = await BrokerView.connect(broker.url);
  cleanups.push(() => view.close());
  const agent = await startAgent(broker.url, node, {
    args: ['--docker-host', engine.host, '--resync', '60', '--backoff', '1s', '--backoff-max', '2s'],
  });
  cleanups.push(async () => {
    await agent.process.stop('SIGKILL');
    await rm(agent.stateDir, { recursive: true, force: true });
  });
  await view.publishDesired(desiredState(node, 1, [...pods]));
  await waitFor('the node Ready and every pod Running and Ready, on the broker', () =>
    isNodeReady(view, node) && pods.every((p) => isPodUp(view.podStatus(node, p.name))), { timeoutMs: 20_000 });
  return { engine, view, agent, node };
}

function isNodeReady(view: BrokerView, node: string): boolean {
  return view.nodeStatus(node)?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

function isPodUp(report: PodStatusReport | undefined): boolean {
  return report?.status.phase === 'Running' && report.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits for the node's Ready condition to turn False on the broker, and returns its message. */
async function waitForNotReady(view: BrokerView, node: string): Promise<string> {
  return waitFor('the node not Ready on the broker', () => {
    const ready = view.nodeStatus(node)?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'False' ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : undefined;
  }, { timeoutMs: 10_000, intervalMs: 50 });
}

interface EngineContainer extends NodeContainer {
  /** The container's main process on the host, 0 when not running. */
  readonly pid: number;
  readonly exitCode: number;
}

interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; StartedAt: string; Pid: number; ExitCode: number };
  Config: { Labels: Record<string, string>; Env: string[] | null };
}

/** Every container of the node on the private engine, as `docker inspect` shows it. */
async function engineContainers(engine: OwnDockerd, node: string): Promise<EngineContainer[]> {
  const out = await engine.docker('ps', '-aq', '--no-trunc', '--filter', `label=io.baton.node=${node}`);
  if (out === '') return [];
  const inspected = JSON.parse(await engine.docker('inspect', ...out.split('\n'))) as Inspected[];
  return inspected.map((c) => {
    const labels = c.Config.Labels;
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      node: labels['io.baton.node'] ?? '',
      pod: labels['io.baton.pod'] ?? '',
      container: labels['io.baton.container'] ?? '',
      isSandbox: labels['io.baton.role'] === 'sandbox',
      state: c.State.Status,
      running: c.State.Running,
      startedAt: c.State.StartedAt,
      restartCount: c.RestartCount,
      batonRestartCount: labels['io.baton.restart-count'],
      env: c.Config.Env ?? [],
      pid: c.State.Pid,
      exitCode: c.State.ExitCode,
    };
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

describe('dockerd killed and started again', () => {
  it('with live-restore: keeps what outlived the daemon and restarts by policy only what died meanwhile', async () => {
    const steady = servicePod('steady', ['main', 'side'], 'Always'); // two containers: a pod sandbox too
    const victim = servicePod('victim', ['main'], 'Always');
    const { engine, view, agent, node } = await setUp(true, [steady, victim]);
    const before = await engineContainers(engine, node);
    const kept = before.filter((c) => c.pod === 'steady');
    expect(kept.map((c) => c.container).sort()).toEqual(['POD', 'main', 'side']);
    const died = only(before.filter((c) => c.pod === 'victim'), 'one container of the victim pod');
    const agentPid = agent.process.pid;

    await engine.kill();
    // The victim's process dies while no daemon watches: its shim records the exit.
    process.kill(died.pid, 'SIGKILL');
    const down = Date.now();
    const reason = await waitForNotReady(view, node);
    console.log(`not Ready ${Date.now() - down} ms after dockerd was killed: ${reason}`);
    expect(reason).toContain('container runtime is down');
    expect(view.nodeStatus(node)?.state).toBe('online');
    // The containers outlive their daemon.
    expect(kept.every((c) => isAlive(c.pid)), 'the steady pod\'s processes run on without dockerd').toBe(true);

    await engine.start();
    const back = Date.now();
    await waitFor('the node Ready, the steady pod Running on its old containers, the victim Running after one restart', () => {
      const victimStatus = view.podStatus(node, 'victim')?.status.containerStatuses[0];
      const steadyStatus = view.podStatus(node, 'steady');
      return isNodeReady(view, node) &&
        isPodUp(steadyStatus) &&
        kept.filter((c) => !c.isSandbox).every((c) => steadyStatus?.status.containerStatuses.find((s) => s.name === c.container)?.containerID?.endsWith(c.id)) &&
        isPodUp(view.podStatus(node, 'victim')) && victimStatus?.restartCount === 1;
    }, { timeoutMs: 15_000 });
    console.log(`Ready and converged ${Date.now() - back} ms after dockerd answered again`);

    const after = await engineContainers(engine, node);
    sameInstances(kept, after);
    const restarted = only(after.filter((c) => c.pod === 'victim'), 'one container of the victim pod (the dead one replaced, not kept beside)');
    expect(restarted.id).not.toBe(died.id);
    expect(restarted.running).toBe(true);
    expect(restarted.batonRestartCount).toBe('1');
    expect(view.podStatus(node, 'victim')?.status.containerStatuses[0]?.lastState?.terminated?.exitCode).toBe(137);
    expect(after).toHaveLength(before.length);

    // The agent watches the engine's events again: a container killed now is restarted
    // within seconds, long before the one-minute resync.
    await engine.docker('kill', restarted.id);
    await waitFor('the victim restarted a second time, woken by the engine\'s event', () =>
      view.podStatus(node, 'victim')?.status.containerStatuses[0]?.restartCount === 2 && isPodUp(view.podStatus(node, 'victim')), { timeoutMs: 10_000 });
    sameInstances(kept, await engineContainers(engine, node));

    expect(agent.process.child.exitCode).toBeNull();
    expect(agent.process.child.signalCode).toBeNull();
    expect(agent.process.pid).toBe(agentPid);
    const log = agentLog(agent.process.output());
    expect(log.some((l) => l.msg === 'the container runtime does not answer')).toBe(true);
    expect(log.some((l) => l.msg === 'the container runtime answers again')).toBe(true);
  });

  it('without live-restore: the engine stops every container as it comes back; each is started again by its pod\'s policy, once', async () => {
    const web = servicePod('web', ['main', 'side'], 'Always');
    const job = servicePod('job', ['main'], 'OnFailure'); // stopped by the engine: exit 143, a failure
    const { engine, view, agent, node } = await setUp(false, [web, job]);
    const before = await engineContainers(engine, node);
    expect(before).toHaveLength(4); // web's sandbox, main and side; job's main
    const agentPid = agent.process.pid;

    await engine.kill();
    const reason = await waitForNotReady(view, node);
    expect(reason).toContain('container runtime is down');
    expect(before.every((c) => isAlive(c.pid)), 'the containers run on until the engine comes back').toBe(true);

    const restoring = Date.now();
    await engine.start();
    const restoreMs = Date.now() - restoring;
    console.log(`dockerd answered after ${restoreMs} ms of restoring`);
    // It stopped the sandbox with its stop signal, SIGKILL, not waiting 10 s on a pause process deaf to SIGTERM.
    expect(restoreMs).toBeLessThan(8_000);
    const back = Date.now();
    await waitFor('the node Ready and both pods Running again, each container restarted once', () => {
      const statuses = ['web', 'job'].flatMap((p) => view.podStatus(node, p)?.status.containerStatuses ?? []);
      return isNodeReady(view, node) && isPodUp(view.podStatus(node, 'web')) && isPodUp(view.podStatus(node, 'job')) &&
        statuses.length === 3 && statuses.every((s) => s.restartCount === 1);
    }, { timeoutMs: 15_000 });
    console.log(`Ready and converged ${Date.now() - back} ms after dockerd answered again`);
    const after = await engineContainers(engine, node);
    expect(after.filter((c) => before.some((b) => b.id === c.id)), 'the stopped instances are replaced, not kept beside').toEqual([]);
    expect(after).toHaveLength(4);
    expect(after.every((c) => c.running)).toBe(true);
    for (const [pod, container] of [['web', 'main'], ['web', 'side'], ['job', 'main']] as const) {
      const instance = only(after.filter((c) => c.pod === pod && c.container === container), `one ${pod}/${container}`);
      expect(instance.batonRestartCount, `${pod}/${container} restart count`).toBe('1');
      const status = view.podStatus(node, pod)?.status.containerStatuses.find((s) => s.name === container);
      expect(status?.lastState?.terminated?.exitCode, `${pod}/${container} last state`).toBe(143);
      expect(status?.containerID).toBe(`docker://${instance.id}`);
    }
    only(after.filter((c) => c.pod === 'web' && c.isSandbox), 'one sandbox of web');

    expect(agent.process.child.exitCode).toBeNull();
    expect(agent.process.pid).toBe(agentPid);
  });
});
