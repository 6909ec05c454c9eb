import { describe, expect, it } from 'vitest';
import { removeNodeContainers } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import { nodeContainers } from '../support/node-containers.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, startAgent, testPod } from '../integration/agent-harness.js';
import { agentLog } from './agent-log.js';
import { useCleanups } from './cleanups.js';
import { earlierRun, FAST_BACKOFF } from './earlier-run.js';
import { crashPod, restartsInDocker, sameInstances } from './pod-checks.js';

/**
 * A node that starts with no broker to reach (nothing listens on its port), as a Pi that
 * reboots with no network: it runs its pods from the desired state it saved in an
 * earlier run, restarts the crashing one by policy, and when the broker turns up it
 * reports them without recreating any.
 */

const cleanup = useCleanups();

describe('an agent that starts with its broker unreachable', () => {
  it('brings its pods up from its state file alone after a reboot lost the containers, and reports them once the broker turns up', async () => {
    const run = await earlierRun('fos', [testPod('steady'), crashPod('crash')], cleanup);
    const port = run.broker.port;
    // The reboot: the containers are gone, and so is the network to the broker.
    await removeNodeContainers(run.node);
    await run.broker.stop();

    const agent = await startAgent(`mqtt://127.0.0.1:${port}`, run.node, { stateDir: run.stateDir, args: FAST_BACKOFF });
    cleanup(() => agent.process.stop('SIGKILL'));
    await waitFor('the steady pod running and the crashing one restarted twice by policy, with no broker', async () => {
      const containers = await nodeContainers([run.node]);
      const isSteady = containers.some((c) => c.pod === 'steady' && c.running);
      return isSteady && (await restartsInDocker(run.node, 'crash')) >= 2;
    }, { timeoutMs: 20_000 });
    const log = agentLog(agent.process.output());
    expect(log.find((l) => l.msg === 'loaded the saved desired state')).toMatchObject({ generation: run.desired.generation, pods: 2 });
    expect(log.some((l) => l.msg === 'connected to the broker')).toBe(false);
    const steady = (await nodeContainers([run.node])).filter((c) => c.pod === 'steady');
    expect(steady).toHaveLength(1);
    expect(steady.every((c) => !run.containers.some((old) => old.id === c.id))).toBe(true);

    // The network is back: a broker on the port, with nothing retained.
    const broker = await startMosquitto({ port });
    cleanup(() => broker.stop());
    const view = await BrokerView.connect(broker.url);
    cleanup(() => view.close());
    const back = Date.now();
    await waitFor('the node online and its pods reported, as they run', () => {
      const status = view.podStatus(run.node, 'steady')?.status;
      return view.nodeStatus(run.node)?.observedGeneration === run.desired.generation &&
        status?.phase === 'Running' && status.containerStatuses[0]?.containerID?.endsWith(steady[0]?.id ?? '-') === true &&
        view.podStatus(run.node, 'crash')?.status.phase === 'Running';
    }, { timeoutMs: 20_000 });
    console.log(`reported ${Date.now() - back} ms after the broker turned up (the agent's reconnect back-off included)`);
    sameInstances(steady, await nodeContainers([run.node]));
  });

  it('adopts the containers still running and restarts none of them', async () => {
    const run = await earlierRun('fos', [testPod('steady'), crashPod('crash')], cleanup);
    const steady = run.containers.filter((c) => c.pod === 'steady');
    expect(steady).toHaveLength(1);
    await run.broker.stop();
    const before = await restartsInDocker(run.node, 'crash');

    const agent = await startAgent(`mqtt://127.0.0.1:${run.broker.port}`, run.node, { stateDir: run.stateDir, args: FAST_BACKOFF });
    cleanup(() => agent.process.stop('SIGKILL'));
    // The crashing pod restarting shows the agent at work; the steady one is left alone.
    await waitFor('the crashing pod restarted by policy, with no broker', async () => (await restartsInDocker(run.node, 'crash')) >= before + 1, { timeoutMs: 20_000 });
    sameInstances(steady, await nodeContainers([run.node]));
    expect((await nodeContainers([run.node])).filter((c) => c.pod === 'steady')).toHaveLength(1);
  });
});
