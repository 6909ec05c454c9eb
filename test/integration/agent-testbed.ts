import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { NodeEvent, PodStatusReport } from '../../protocol/messages.js';
import { removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { BrokerView, recordEvents, recordPodStatuses, requireBuiltAgent, startAgent, uniqueNode, type StartedAgent } from './agent-harness.js';

/** A node of the test bed: its own agent, with every pod status and event it published recorded. */
export interface WatchedNode {
  readonly node: string;
  /** Every status report of the pod so far, in order. */
  reports(pod: string): PodStatusReport[];
  readonly events: NodeEvent[];
}

export interface AgentTestBed {
  /** The file's mosquitto and a client that sees the broker as a maker would (set in beforeAll). */
  readonly broker: Mosquitto;
  readonly view: BrokerView;
  /** Starts an agent for a new node (with the given extra flags) and records what it publishes. */
  node(prefix: string, args?: string[]): Promise<WatchedNode>;
}

/**
 * Registers the hooks of an agent test file: one mosquitto for the file; after each
 * test, its agents killed, their state directories and containers removed.
 */
export function useAgentTestBed(): AgentTestBed {
  let broker: Mosquitto | undefined;
  let view: BrokerView | undefined;
  const agents: StartedAgent[] = [];
  const nodes: string[] = [];
  const recorders: { stop: () => Promise<void> }[] = [];

  beforeAll(async () => {
    requireBuiltAgent();
    broker = await startMosquitto();
    view = await BrokerView.connect(broker.url);
  });

  afterEach(async () => {
    await Promise.all(recorders.splice(0).map((r) => r.stop()));
    await Promise.all(agents.splice(0).map(async (a) => {
      await a.process.stop('SIGKILL');
      await rm(a.stateDir, { recursive: true, force: true });
    }));
    for (const name of nodes.splice(0)) await removeNodeContainers(name);
  });

  afterAll(async () => {
    await view?.close();
    await broker?.stop();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test bed is used before its beforeAll hook ran');
    return value;
  };
  return {
    get broker() {
      return started(broker);
    },
    get view() {
      return started(view);
    },
    async node(prefix, args = []) {
      const url = started(broker).url;
      const node = uniqueNode(prefix);
      nodes.push(node);
      const statuses = await recordPodStatuses(url, node);
      const events = await recordEvents(url, node);
      recorders.push(statuses, events);
      agents.push(await startAgent(url, node, { args }));
      return { node, reports: statuses.of, events: events.events };
    },
  };
}
