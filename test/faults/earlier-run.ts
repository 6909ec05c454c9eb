import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredPod, NodeDesired } from '../../protocol/messages.js';
import { removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { nodeContainers, type NodeContainer } from '../support/node-containers.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, requireBuiltAgent, startAgent, uniqueNode } from '../integration/agent-harness.js';

/** Agent flags of the fault tests: pods that crash on purpose restart after a 1 s back-off each time. */
export const FAST_BACKOFF = ['--backoff', '1s', '--backoff-max', '1s'];

/** A node that ran before, as the agent left it when it was killed. */
export interface EarlierRun {
  readonly node: string;
  readonly stateDir: string;
  /** Its broker, still running, with the node's desired state retained. */
  readonly broker: Mosquitto;
  /** The desired state the agent ran and saved in `<stateDir>/desired.json`. */
  readonly desired: NodeDesired;
  /** The node's containers once the agent was dead. */
  readonly containers: NodeContainer[];
}

/**
 * Runs an agent for a new node with `pods` (desired generation `generation`, default 4,
 * retained on a mosquitto of its own, with `brokerConfig` lines if given) until every pod is Running on the broker and the desired state
 * is saved, then kills it with SIGKILL. The containers keep running. `cleanup` gets the
 * undoing of it all: the broker, the node's containers and the state directory.
 */
export async function earlierRun(prefix: string, pods: DesiredPod[], cleanup: (undo: () => Promise<unknown>) => void, options: { generation?: number; brokerConfig?: string } = {}): Promise<EarlierRun> {
  requireBuiltAgent();
  const generation = options.generation ?? 4;
  const node = uniqueNode(prefix);
  const broker = await startMosquitto(options.brokerConfig !== undefined ? { extraConfig: options.brokerConfig } : {});
  cleanup(() => broker.stop());
  const agent = await startAgent(broker.url, node, { args: FAST_BACKOFF });
  cleanup(async () => {
    await agent.process.stop('SIGKILL');
    await removeNodeContainers(node);
    await rm(agent.stateDir, { recursive: true, force: true });
  });
  const desired = desiredState(node, generation, pods);
  const view = await BrokerView.connect(broker.url);
  try {
    await view.publishDesired(desired);
    await waitFor(`the pods of ${node} Running and its desired state saved`, async () => {
      const isRunning = pods.every((p) => view.podStatus(node, p.name)?.status.phase === 'Running');
      const saved = await readFile(join(agent.stateDir, 'desired.json'), 'utf8').catch(() => '{}');
      return isRunning && (JSON.parse(saved) as { generation?: number }).generation === generation;
    });
  } finally {
    await view.close();
  }
  await agent.process.stop('SIGKILL');
  return { node, stateDir: agent.stateDir, broker, desired, containers: await nodeContainers([node]) };
}
