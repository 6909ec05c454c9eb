import { describe, expect, it } from 'vitest';
import { sameInstances } from './pod-checks.js';
import { cleanUpAfterEach, engineContainers, isNodeReady, isPodUp, servicePod, setUp, waitForNotReady } from './private-engine.js';
import { waitFor } from '../support/wait.js';

/**
 * dockerd frozen (SIGSTOP) under a running agent: its socket still takes connections
 * and its event stream stays open, but nothing answers. The agent must not hang with
 * it, still saying Ready: a read unanswered for 10 s (the engine read deadline) makes
 * the node not Ready, with the reason; thawed, the engine answers and the node is Ready
 * again, with nothing touched. The agent resyncs every second here, since a frozen
 * engine sends no event that could wake it.
 */

cleanUpAfterEach();

describe('dockerd frozen and thawed', () => {
  it('is not Ready once a read goes unanswered for 10 s, and Ready again after, nothing touched', async () => {
    const { engine, view, agent, node } = await setUp(false, [servicePod('calm', ['main'], 'Always')], { resync: '1' });
    const before = await engineContainers(engine, node);
    engine.freeze();
    const frozenAt = Date.now();
    const reason = await waitForNotReady(view, node, 20_000);
    console.log(`not Ready ${Date.now() - frozenAt} ms after dockerd froze: ${reason}`);
    expect(reason).toContain('container runtime is down: the engine did not answer');
    expect(agent.process.child.exitCode).toBeNull();

    engine.thaw();
    await waitFor('the node Ready again', () => isNodeReady(view, node), { timeoutMs: 15_000 });
    expect(isPodUp(view.podStatus(node, 'calm'))).toBe(true);
    sameInstances(before, await engineContainers(engine, node));
    expect(await engineContainers(engine, node)).toHaveLength(before.length);
  });
});
