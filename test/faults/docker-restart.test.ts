import { describe, expect, it } from 'vitest';
import { agentLog } from './agent-log.js';
import { sameInstances } from './pod-checks.js';
import { cleanUpAfterEach, engineContainers, isAlive, isNodeReady, isPodUp, only, servicePod, setUp, waitForNotReady, type EngineContainer } from './private-engine.js';
import type { OwnDockerd } from '../support/own-dockerd.js';
import { waitFor } from '../support/wait.js';

/**
 * dockerd killed with -9 under a running agent, then started again on the same data
 * root. Each test has its own engine (test/support/own-dockerd.ts), so the machine's own
 * is never touched. What a killed dockerd leaves depends on the engine's `live-restore`:
 *
 * - with it, the containers outlive the daemon (their shims keep them) and the engine
 *   adopts them again as it comes back; one whose process died meanwhile is seen exited;
 * - without it (Docker's default), the engine finds them still running as it comes back
 *   and stops each (its stop signal, SIGKILL after 10 s) before it answers at all.
 *
 * Either way, while the engine is away the agent stays up, says its node is not Ready
 * (and why), and changes nothing; once the engine answers, the node is Ready again, what
 * still runs is kept as it is (same container, same start) and what died is started
 * again as its pod's restartPolicy says, once. The agent runs with a one-minute resync
 * so that all this must come from its watch on the engine, not from the safety net.
 */

cleanUpAfterEach();

/** The node's containers once none of `before` is left: stopped instances are replaced, not kept beside their successors. */
async function replaced(engine: OwnDockerd, node: string, before: readonly EngineContainer[]): Promise<EngineContainer[]> {
  return waitFor('the stopped instances removed', async () => {
    const now = await engineContainers(engine, node);
    return now.some((c) => before.some((b) => b.id === c.id)) ? undefined : now;
  }, { timeoutMs: 5_000 });
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
    const after = await replaced(engine, node, before);
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

  it('stopped gracefully (systemctl restart docker) without live-restore: every pod runs again as soon as the engine is back, nothing duplicated', async () => {
    // A 20 s back-off (the setup's ceiling): a step refused by the engine as it shut down
    // must not hold a pod that long. The wait allows half of it, room for a loaded machine
    // while a pod held for its back-off still fails.
    const { engine, view, agent, node } = await setUp(false, [servicePod('web', ['main', 'side'], 'Always'), servicePod('job', ['main'], 'Always')], { backoff: '20s' });
    const before = await engineContainers(engine, node);
    const agentPid = agent.process.pid;

    // The engine stops its containers while still answering: the agent sees them die and acts, racing the shutdown.
    await engine.stop();
    expect(await waitForNotReady(view, node)).toContain('container runtime is down');
    await engine.start();
    const back = Date.now();
    await waitFor('the node Ready and both pods Running again, every container restarted', () => {
      const statuses = ['web', 'job'].flatMap((p) => view.podStatus(node, p)?.status.containerStatuses ?? []);
      return isNodeReady(view, node) && isPodUp(view.podStatus(node, 'web')) && isPodUp(view.podStatus(node, 'job')) &&
        statuses.length === 3 && statuses.every((s) => s.restartCount >= 1);
    }, { timeoutMs: 10_000 });
    console.log(`Ready and converged ${Date.now() - back} ms after dockerd answered again`);

    const after = await replaced(engine, node, before);
    console.log(`restart counts: ${after.filter((c) => !c.isSandbox).map((c) => `${c.pod}/${c.container} ${c.batonRestartCount ?? '?'}`).join(', ')}`);
    expect(after.every((c) => c.running)).toBe(true);
    for (const [pod, container] of [['web', 'main'], ['web', 'side'], ['job', 'main']] as const) {
      const instance = only(after.filter((c) => c.pod === pod && c.container === container), `one ${pod}/${container}`);
      // Once for the stop by the shutdown; a second time only if a restart the agent made
      // while the engine shut down was stopped by it in turn. Each by restartPolicy Always.
      expect(Number(instance.batonRestartCount), `${pod}/${container} restart count`).toBeGreaterThanOrEqual(1);
      expect(Number(instance.batonRestartCount), `${pod}/${container} restart count`).toBeLessThanOrEqual(2);
    }
    only(after.filter((c) => c.pod === 'web' && c.isSandbox), 'one sandbox of web');
    expect(agent.process.child.exitCode).toBeNull();
    expect(agent.process.pid).toBe(agentPid);
  });
});
