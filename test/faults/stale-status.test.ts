import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containersWithLabels, docker } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import { nodeContainers } from '../support/node-containers.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, startAgent, testPod, topics } from '../integration/agent-harness.js';
import { agentLog } from './agent-log.js';
import { useCleanups } from './cleanups.js';
import { earlierRun, FAST_BACKOFF } from './earlier-run.js';
import { sameInstances } from './pod-checks.js';

/**
 * The agent killed after it removed a pod's containers and before it cleared the pod's
 * retained status; it starts again while its broker (mosquitto with persistence, as in
 * production) is down. When the broker is back it still says the pod runs: the agent
 * clears that status as soon as it reads it back, not at its next periodic resync (a
 * minute here), and leaves the pod it keeps alone.
 */

const cleanup = useCleanups();

describe('a pod status left behind by a killed agent', () => {
  it('is cleared as soon as the restarted agent reads it back from the broker', async () => {
    const data = await mkdtemp(join(tmpdir(), 'baton-mosquitto-data-'));
    cleanup(() => rm(data, { recursive: true, force: true }));
    await chmod(data, 0o777); // mosquitto started as root saves as its own user
    const persistent = `persistence true\npersistence_location ${data}/`;
    const run = await earlierRun('fss', [testPod('keep'), testPod('gone')], cleanup, { brokerConfig: persistent });
    // What the killed agent had done: saved generation 5 without `gone` and removed its container.
    const next = desiredState(run.node, 5, run.desired.pods.filter((p) => p.name === 'keep'));
    await writeFile(join(run.stateDir, 'desired.json'), JSON.stringify(next));
    await docker('rm', '-f', ...(await containersWithLabels(`io.baton.node=${run.node}`, 'io.baton.pod=gone')));
    const before = await BrokerView.connect(run.broker.url);
    await before.publishDesired(next);
    await before.close();
    await run.broker.stop(); // SIGTERM: mosquitto saves its retained messages

    const agent = await startAgent(run.broker.url, run.node, { stateDir: run.stateDir, args: [...FAST_BACKOFF, '--resync', '60s'] });
    cleanup(() => agent.process.stop('SIGKILL'));
    await waitFor('the agent\'s first pass, with the broker down', () => agentLog(agent.process.output()).some((l) => l.msg === 'pod status changed' && l.pod === 'keep'));

    const broker = await startMosquitto({ port: run.broker.port, extraConfig: persistent });
    cleanup(() => broker.stop());
    const view = await BrokerView.connect(broker.url);
    cleanup(() => view.close());
    await waitFor('the broker to hold the status of the removed pod, from before', () => view.podStatus(run.node, 'gone') !== undefined || view.text(topics.podStatus(run.node, 'gone')) === '');
    const back = Date.now();
    await waitFor('the status of the removed pod cleared on the broker', () => view.text(topics.podStatus(run.node, 'gone')) === '', { timeoutMs: 15_000 });
    console.log(`cleared ${Date.now() - back} ms after the broker came back (the agent's reconnect back-off included)`);
    expect(view.podStatus(run.node, 'keep')?.status.phase).toBe('Running');
    sameInstances(run.containers.filter((c) => c.pod === 'keep'), await nodeContainers([run.node]));
  });
});
