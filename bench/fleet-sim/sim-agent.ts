import { join } from 'node:path';
import { Agent } from '../../agent/agent.js';
import { systemClock } from '../../agent/clock.js';
import { DesiredStore } from '../../agent/desired-store.js';
import { NodeFacts, type StaticFacts, type Usage } from '../../agent/node-facts.js';
import { offlineStatus } from '../../agent/node-status.js';
import { FakeRuntime } from '../../agent/runtime/fake-runtime.js';
import { PAUSE_IMAGE } from '../../agent/sandbox/pause-image.js';
import { encodePayload } from '../../protocol/codec.js';
import type { Logger } from '../../protocol/log.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';

/**
 * One simulated node: the real Agent, wired as agent/program.ts wires it, but over the
 * in-memory FakeRuntime (containers "run" at once) and with fixed node facts (reading
 * them through systeminformation would spawn processes per node). Its desired state is
 * saved under `stateDir`, which the fleet puts on a tmpfs. The broker link is a real
 * MqttLink with the agent's client id and last will, so the broker and the coordinator
 * see exactly what a real node would send.
 */

/** The agent's defaults (agent/options.ts): what a real node runs with. */
const TIMINGS = { resyncMs: 10_000, statusIntervalMs: 10_000, keepaliveSeconds: 10, backoffMs: 10_000, backoffMaxMs: 300_000 } as const;

/** A Pi 4's facts, the same for every simulated node; no process is spawned to read them. */
class FixedFacts extends NodeFacts {
  override readStatic(): Promise<StaticFacts> {
    return Promise.resolve({ architecture: 'arm64', operatingSystem: 'linux', osImage: 'Baton fleet simulator', kernelVersion: '6.6.0', cpus: 4, memoryBytes: 4 * 1024 ** 3 });
  }

  override readUsage(): Promise<Usage> {
    return Promise.resolve({ cpuPercent: 1, memoryBytes: 512 * 1024 ** 2 });
  }
}

export interface SimAgent {
  readonly node: string;
  stop(): Promise<void>;
}

export async function startSimAgent(options: { node: string; brokerUrl: string; stateDir: string; images: readonly string[]; log: Logger }): Promise<SimAgent> {
  const { node, log } = options;
  const topics = new Topics();
  const runtime = new FakeRuntime({ images: [...options.images, PAUSE_IMAGE] });
  const link = new MqttLink({
    url: options.brokerUrl,
    clientId: `baton-agent-${node}`,
    will: { topic: topics.nodeStatus(node), payload: encodePayload(offlineStatus(node, 'ConnectionLost')), retain: true },
    reconnect: true,
    keepaliveSeconds: TIMINGS.keepaliveSeconds,
    log,
  });
  const agent = new Agent({
    config: {
      node,
      labels: { 'baton.io/simulated': 'true' },
      resyncMs: TIMINGS.resyncMs,
      statusIntervalMs: TIMINGS.statusIntervalMs,
      backoff: { initialMs: TIMINGS.backoffMs, maxMs: TIMINGS.backoffMaxMs, resetAfterMs: 2 * TIMINGS.backoffMaxMs },
      policy: { allowPrivileged: false },
    },
    runtime,
    sandboxImage: { image: PAUSE_IMAGE, ensure: () => Promise.resolve() },
    prepareHostPath: () => Promise.resolve('missing'),
    link,
    topics,
    facts: new FixedFacts(),
    store: new DesiredStore(join(options.stateDir, node), node, log),
    log,
    clock: systemClock,
  });
  const shutdown = new AbortController();
  await agent.start(shutdown.signal);
  return {
    node,
    async stop() {
      shutdown.abort();
      await agent.stop();
    },
  };
}
