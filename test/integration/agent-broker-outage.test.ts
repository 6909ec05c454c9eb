import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, podContainers, requireBuiltAgent, startAgent, testPod, uniqueNode, type StartedAgent } from './agent-harness.js';

/** The agent keeps its pods alive while its broker is unreachable or frozen. */

const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  requireBuiltAgent();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The highest io.baton.restart-count among the pod's containers on the engine. */
async function restartCount(node: string, pod: string): Promise<number> {
  const ids = await podContainers(node, pod);
  if (ids.length === 0) return -1;
  const counts = await docker('inspect', '--format', '{{index .Config.Labels "io.baton.restart-count"}}', ...ids);
  return Math.max(...counts.split('\n').map(Number));
}

describe('baton-agent during a broker outage', () => {
  it('keeps restarting a crashing container while its broker is frozen', async () => {
    const name = uniqueNode('ao');
    const broker: Mosquitto = await startMosquitto();
    cleanups.push(async () => {
      broker.child.kill('SIGCONT');
      await broker.stop();
    });
    // A short back-off, so that restarts keep coming within the test's time.
    const agent: StartedAgent = await startAgent(broker.url, name, { args: ['--backoff', '1s', '--backoff-max', '1s'] });
    cleanups.push(async () => {
      await agent.process.stop('SIGKILL');
      await removeNodeContainers(name);
    });
    const view = await BrokerView.connect(broker.url);
    await view.publishDesired(desiredState(name, 1, [testPod('crash', { command: ['sh', '-c', 'sleep 0.5; exit 1'], restartPolicy: 'Always' })]));
    await waitFor('a first restart reported', () => (view.podStatus(name, 'crash')?.status.containerStatuses[0]?.restartCount ?? 0) >= 1);
    await view.close();

    // A frozen broker keeps the TCP connection open and never acknowledges anything, as
    // after a silent Wi-Fi cut: the agent's client still believes it is connected. The
    // agent must not wait for the broker to keep its pods alive.
    broker.child.kill('SIGSTOP');
    const before = await restartCount(name, 'crash');
    const during = await waitFor('two more restarts while the broker is frozen', async () => {
      const count = await restartCount(name, 'crash');
      return count >= before + 2 ? count : undefined;
    }, { timeoutMs: 15_000 });
    expect(agent.process.child.exitCode).toBeNull();

    // Thawed, the broker gets the newest status, not one held back from the outage.
    broker.child.kill('SIGCONT');
    const after = await BrokerView.connect(broker.url);
    cleanups.push(() => after.close());
    await waitFor('the pod status to catch up', () => (after.podStatus(name, 'crash')?.status.containerStatuses[0]?.restartCount ?? 0) >= during, { timeoutMs: 30_000 });
  });
});
