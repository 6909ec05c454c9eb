import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerFixture, startCoordinator, tempStateDir } from './coordinator-harness.js';
import { requireBuiltAgent, startAgent, uniqueNode, type StartedAgent } from './agent-harness.js';
import { waitFor } from '../support/wait.js';

/**
 * An agent the broker refuses says why in its log, once, while it keeps retrying: an
 * operator looking at a node that stays offline sees the reason on the node itself.
 */

const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  requireBuiltAgent();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('baton-agent refused by the broker', () => {
  it('logs the refusal once, not at every retry', async () => {
    const broker = new BrokerFixture('embedded');
    await broker.start();
    cleanups.push(() => broker.stop());
    const coordinator = startCoordinator(broker, await tempStateDir());
    cleanups.push(() => coordinator.stop());
    const node = uniqueNode('rf');
    const port = new URL(broker.url).port;
    const agent: StartedAgent = await startAgent(`mqtt://node.${node}:wrong-password@127.0.0.1:${port}`, node);
    cleanups.push(() => agent.process.stop('SIGKILL'));

    const refusals = (): string[] => agent.process.output().split('\n').filter((line) => line.includes('cannot connect to the MQTT broker'));
    // The link retries after 1 s, 2 s and 4 s: three attempts or more within the wait.
    const attempts = (): number => coordinator.output().split('\n').filter((line) => line.includes(`baton-agent-${node}`) && line.includes('BadCredentials')).length;
    await waitFor('three refused attempts', () => attempts() >= 3, { timeoutMs: 15_000 });
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]).toContain('Not authorized');
    expect(refusals()[0]).toContain('"reason":"BrokerUnreachable"');
    expect(agent.process.output()).not.toContain('wrong-password');
  });
});
