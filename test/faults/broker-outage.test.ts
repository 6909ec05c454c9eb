import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { docker, removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { nodeContainers } from '../support/node-containers.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, requireBuiltAgent, startAgent, testPod, uniqueNode } from '../integration/agent-harness.js';
import { agentLog } from './agent-log.js';
import { packetsFrom, VERBOSE_BROKER_LOG } from './broker-log.js';
import { FAST_BACKOFF } from './earlier-run.js';
import { crashPod, currentRestarts, livenessPod, restartsInDocker, sameInstances } from './pod-checks.js';

/**
 * The broker stopped for longer than the agent's keep-alive, then started again empty
 * (no persistence: every retained message is gone). Meanwhile the pods keep running,
 * the crashing one keeps being restarted by policy and a failing liveness probe still
 * restarts its container. Once the broker is back the statuses
 * on it are current within seconds, nothing the agent said while offline is delivered
 * late, nothing healthy was recreated, and only a newer desired generation is applied.
 */

const KEEPALIVE_S = 2;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function brokerOn(port?: number): Promise<Mosquitto> {
  const broker = await startMosquitto({ extraConfig: VERBOSE_BROKER_LOG, ...(port !== undefined ? { port } : {}) });
  cleanups.push(() => broker.stop());
  return broker;
}

describe('the broker stopped for longer than the keep-alive', () => {
  it('keeps the pods running, restarting and probed, then catches the broker up without recreating anything', async () => {
    requireBuiltAgent();
    const node = uniqueNode('fbo');
    const first = await brokerOn();
    const agent = await startAgent(first.url, node, { args: [...FAST_BACKOFF, '--keepalive', `${KEEPALIVE_S}s`] });
    cleanups.push(async () => {
      await agent.process.stop('SIGKILL');
      await removeNodeContainers(node);
      await rm(agent.stateDir, { recursive: true, force: true });
    });
    const pods = [testPod('steady-a'), testPod('steady-b'), crashPod('crash'), livenessPod('probed')];
    const view = await BrokerView.connect(first.url);
    await view.publishDesired(desiredState(node, 2, pods));
    await waitFor('the steady pods Running and a first restart of the crashing one, on the broker', () =>
      view.podStatus(node, 'steady-a')?.status.phase === 'Running' &&
      view.podStatus(node, 'steady-b')?.status.phase === 'Running' &&
      view.podStatus(node, 'probed')?.status.phase === 'Running' &&
      (view.podStatus(node, 'crash')?.status.containerStatuses[0]?.restartCount ?? 0) >= 1);
    await view.close();
    const healthy = (await nodeContainers([node])).filter((c) => c.pod.startsWith('steady-'));
    expect(healthy).toHaveLength(2);

    await first.stop();
    const down = Date.now();
    const restartsBefore = await restartsInDocker(node, 'crash');
    // Probes keep working: the probed pod's liveness check starts failing now.
    const [probed] = (await nodeContainers([node])).filter((c) => c.pod === 'probed' && c.running);
    await docker('exec', probed?.id ?? 'none', 'rm', '/tmp/alive');
    const during = await waitFor('two restarts by policy, a restart by the liveness probe, and longer than 1.5 keep-alives, while the broker is down', async () => {
      const count = await restartsInDocker(node, 'crash');
      const isProbed = (await restartsInDocker(node, 'probed')) >= 1;
      return Date.now() - down > 1.5 * KEEPALIVE_S * 1000 && isProbed && count >= restartsBefore + 2 ? count : undefined;
    }, { timeoutMs: 20_000 });
    expect(agent.process.child.exitCode).toBeNull();
    sameInstances(healthy, await nodeContainers([node]));
    console.log(`broker down ${Date.now() - down} ms; the crashing container restarted ${during - restartsBefore} times meanwhile`);

    // Back, on the same port, with nothing retained.
    const second = await brokerOn(first.port);
    const back = Date.now();
    const after = await BrokerView.connect(second.url);
    cleanups.push(() => after.close());
    await waitFor('the statuses on the broker current: node online, steady pods on their containers, the restart count as Docker says', async () => {
      const containers = await nodeContainers([node]);
      const isSteadyCurrent = healthy.every((h) => {
        const status = after.podStatus(node, h.pod)?.status;
        return status?.phase === 'Running' && status.containerStatuses[0]?.containerID?.endsWith(h.id) === true;
      });
      const reported = (pod: string): number | undefined => after.podStatus(node, pod)?.status.containerStatuses[0]?.restartCount;
      const isProbedCurrent = reported('probed') === currentRestarts(containers, 'probed');
      return after.nodeStatus(node)?.state === 'online' && isSteadyCurrent && isProbedCurrent && reported('crash') === currentRestarts(containers, 'crash');
    }, { timeoutMs: 15_000 });
    // This includes the agent's reconnect back-off (it grows while the broker is away).
    console.log(`statuses current ${Date.now() - back} ms after the broker came back`);
    expect(after.nodeStatus(node)?.observedGeneration).toBe(2);
    sameInstances(healthy, await nodeContainers([node]));

    // Nothing said while offline arrives late: the first thing the agent does on the new
    // broker is subscribe; at most what was in flight when the broker stopped comes first.
    const packets = packetsFrom(second.output(), `baton-agent-${node}`);
    const firstSubscribe = packets.findIndex((p) => p.kind === 'SUBSCRIBE');
    expect(packets[0]?.kind).toBe('CONNECT');
    expect(firstSubscribe).toBeGreaterThan(0);
    expect(packets.slice(1, firstSubscribe).filter((p) => p.kind === 'PUBLISH').length).toBeLessThanOrEqual(2);

    // Only a newer generation is applied: an older one (a coordinator restored from an old
    // backup, say) is ignored with a warning and changes nothing; a newer one is applied.
    await after.publishDesired(desiredState(node, 1, []));
    await waitFor('the agent to warn of the older desired state', () =>
      agentLog(agent.process.output()).some((l) => l.msg.startsWith('ignored a desired state older') && l.generation === 1));
    await after.publishDesired(desiredState(node, 3, [...pods, testPod('late')]));
    await waitFor('the pod added by generation 3 Running', () => after.podStatus(node, 'late')?.status.phase === 'Running');
    const final = await nodeContainers([node]);
    sameInstances(healthy, final);
    expect(final.filter((c) => c.pod.startsWith('steady-'))).toHaveLength(2);
  });
});
