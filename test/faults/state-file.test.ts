import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../protocol/messages.js';
import { nodeContainers } from '../support/node-containers.js';
import { recordTopics } from '../support/topic-log.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, QUICK_PASSES, startAgent, testPod, topics } from '../integration/agent-harness.js';
import { agentLog, LOG_LEVEL } from './agent-log.js';
import { useCleanups } from './cleanups.js';
import { earlierRun, FAST_BACKOFF } from './earlier-run.js';
import { sameInstances } from './pod-checks.js';

/**
 * A saved desired state that is half-written or garbage: the agent starts anyway, says
 * in one error line which file is unusable and why, keeps the file aside for inspection,
 * leaves the containers it finds running (with no desired state it changes nothing in
 * Docker), and converges once the broker's retained desired state arrives, recreating
 * nothing that is healthy.
 */

const cleanup = useCleanups();

const corruptions: [string, (saved: Buffer) => Buffer, RegExp][] = [
  ['a truncated (half-written) file', (saved) => saved.subarray(0, Math.floor(saved.length / 2)), /it is cut short/],
  ['a garbage file', () => randomBytes(300), /it is not JSON/],
];

describe('an unusable state file', () => {
  it.each(corruptions)('%s: the agent says so, keeps it aside and the containers, then converges on the broker\'s desired state', async (_what, corrupt, why) => {
    const run = await earlierRun('fsf', [testPod('steady-a'), testPod('steady-b')], cleanup, { generation: 5 });
    expect(run.containers).toHaveLength(2);
    const file = join(run.stateDir, 'desired.json');
    const bad = corrupt(await readFile(file));
    await writeFile(file, bad);
    // The broker holds no desired state for now (the coordinator has yet to send it).
    const view = await BrokerView.connect(run.broker.url);
    cleanup(() => view.close());
    await view.publishRaw(topics.nodeDesired(run.node), '');
    const statuses = await recordTopics(run.broker.url, topics.nodeStatus(run.node));
    cleanup(() => statuses.stop());

    const agent = await startAgent(run.broker.url, run.node, { stateDir: run.stateDir, args: [...FAST_BACKOFF, ...QUICK_PASSES] });
    cleanup(() => agent.process.stop('SIGKILL'));
    const said = await waitFor('the agent to say the state file is unusable', () => {
      const lines = agentLog(agent.process.output()).filter((l) => l.level >= LOG_LEVEL.warn && l.msg.includes(file));
      return lines.length > 0 ? lines : undefined;
    });
    // Several resyncs pass (a heartbeat at each) with no desired state at all.
    const startedAt = statuses.messages.length;
    await waitFor('3 heartbeats of the restarted agent', () =>
      statuses.messages.slice(startedAt).filter((m) => m.payload !== '' && (JSON.parse(m.payload) as NodeStatus).state === 'online').length >= 3);

    // One clear line: the file, what is wrong, where it was kept.
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: LOG_LEVEL.error, path: file, reason: expect.stringMatching(why) });
    console.log(`the agent said: ${said[0]?.msg}`);
    const kept = (await readdir(run.stateDir)).filter((f) => f.startsWith('desired.json.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(said[0]?.keptAs).toBe(join(run.stateDir, kept[0] ?? ''));
    expect(await readFile(join(run.stateDir, kept[0] ?? ''))).toEqual(bad);
    expect(await readdir(run.stateDir)).not.toContain('desired.json');
    // Nothing killed for want of a desired state.
    sameInstances(run.containers, await nodeContainers([run.node]));
    expect(agent.process.child.exitCode).toBeNull();

    // The coordinator's desired state arrives: applied to the containers that run, as they are.
    await view.publishDesired(run.desired);
    await waitFor('the desired state applied and saved again', async () => {
      const saved = await readFile(file, 'utf8').catch(() => '{}');
      return view.nodeStatus(run.node)?.observedGeneration === run.desired.generation && (JSON.parse(saved) as { generation?: number }).generation === run.desired.generation;
    });
    await waitFor('both pods Running on the broker, on their containers', () => run.containers.every((c) =>
      view.podStatus(run.node, c.pod)?.observedGeneration === run.desired.generation &&
      view.podStatus(run.node, c.pod)?.status.containerStatuses[0]?.containerID?.endsWith(c.id) === true));
    const now = await nodeContainers([run.node]);
    sameInstances(run.containers, now);
    expect(now).toHaveLength(2);
  });
});
