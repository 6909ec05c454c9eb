import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePayload } from '../protocol/codec.js';
import { nodeStatusSchema, podStatusReportSchema } from '../protocol/messages.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { Topics } from '../protocol/topics.js';
import { containersWithLabels, removeNodeContainers, TEST_IMAGE } from '../test/support/docker.js';
import { startMosquitto } from '../test/support/mosquitto.js';
import { runCli, startProcess, startProgram, type Running } from '../test/support/processes.js';
import { waitFor } from '../test/support/wait.js';
import type { AgentProgram } from './steady-agent.js';
import { agentUnitEnvironment } from './unit-environment.js';

/**
 * Baton as a maker runs it, on one machine: an open mosquitto (no config file beyond a
 * loopback listener), the built coordinator on it, one agent, and the `baton` CLI as a
 * separate process for every apply and delete.
 *
 * The bench watches the pods' retained statuses on the broker, as any MQTT client would,
 * and keeps for each pod the `performance.now()` at which a report with phase Running
 * first arrived.
 */
export interface BatonPeer {
  readonly node: string;
  /** `baton apply -f -` of a one-container Pod, with `cli`; resolves when the CLI has exited (code 0, or throws). */
  apply(pod: string, cli: CliProgram): Promise<void>;
  /** When the pod's status with phase Running first arrived at or after `since`; polls until `timeoutMs`. */
  waitRunning(pod: string, since: number, timeoutMs: number): Promise<number>;
  /** `baton delete pod`, then waits until its status is cleared on the broker and its container is gone. */
  remove(pod: string): Promise<void>;
  /** Stops agent, coordinator and broker; removes the containers and the state. Idempotent. */
  stop(): Promise<void>;
}

/** How `baton` is run: its single binary, or `node dist/baton.js`. */
export type CliProgram = { readonly kind: 'binary'; readonly path: string } | { readonly kind: 'node' };

export function describeCli(cli: CliProgram): string {
  return cli.kind === 'binary' ? cli.path : 'node dist/baton.js';
}

const topics = new Topics();

export function podManifest(pod: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: {name: ${pod}}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `  - {name: main, image: "${TEST_IMAGE}", command: [sleep, "3600"]}`,
    '',
  ].join('\n');
}

export async function startBatonPeer(program: AgentProgram, node: string, say: (line: string) => void): Promise<BatonPeer> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'baton-bench-pod-start-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const broker = await startMosquitto({ extraConfig: 'set_tcp_nodelay true' }); // as `baton-coordinator mosquitto-config` writes it
    cleanups.push(() => broker.stop());
    const coordinator = startProgram('baton-coordinator', ['--broker', broker.url, '--state-dir', join(dir, 'coordinator')], { BATON_LOG_LEVEL: 'warn' });
    cleanups.push(() => coordinator.stop());
    cleanups.push(() => removeNodeContainers(node));
    const args = ['--node', node, '--broker', broker.url, '--state-dir', join(dir, 'agent')];
    const env = { BATON_LOG_LEVEL: 'warn' };
    const agent = program.kind === 'binary' ? startProcess(program.path, args, { ...agentUnitEnvironment(), ...env }) : startProgram('baton-agent', args, env);
    cleanups.push(() => agent.stop());
    // The CLI gets a config folder of its own (never made): a developer's admin.json is not used.
    const cliEnv = { BATON_BROKER: broker.url, XDG_CONFIG_HOME: join(dir, 'config') };
    const cli = async (args: string[], input?: string, program: CliProgram = { kind: 'node' }): Promise<void> => {
      const result = await runCli(args, { env: cliEnv, input, ...(program.kind === 'binary' ? { binary: program.path } : {}) });
      if (result.code !== 0) throw new Error(`baton ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}\ncoordinator:\n${tail(coordinator)}\nagent:\n${tail(agent)}`);
    };

    const view = new MqttLink({ url: broker.url, clientId: `bench-pod-start-${node}`, reconnect: false });
    await view.start();
    cleanups.push(() => view.stop());
    const running = new Map<string, number>();
    const present = new Set<string>();
    await view.subscribe(topics.allPodStatuses(node), (topic, payload) => {
      const at = performance.now();
      const pod = topic.slice(topic.lastIndexOf('/') + 1);
      if (payload.length === 0) return void present.delete(pod);
      present.add(pod);
      const report = decodePayload(podStatusReportSchema, payload);
      if (report.ok && report.value.status.phase === 'Running' && !running.has(pod)) running.set(pod, at);
    });
    let isOnline = false;
    await view.subscribe(topics.nodeStatus(node), (_topic, payload) => {
      const status = decodePayload(nodeStatusSchema, payload);
      isOnline = status.ok && status.value.state === 'online';
    });
    const hasExited = (p: Running): boolean => p.child.exitCode !== null || p.child.signalCode !== null;
    const check = (): void => {
      for (const [name, p] of [['agent', agent], ['coordinator', coordinator]] as const) if (hasExited(p)) throw new Error(`the ${name} exited:\n${tail(p)}`);
    };
    await waitFor(`node ${node} online`, () => (check(), isOnline), { timeoutMs: 30_000, intervalMs: 50 });
    // The coordinator schedules only onto nodes it has seen Ready.
    await waitFor(`node ${node} Ready for the coordinator`, async () => {
      check();
      const result = await runCli(['get', 'nodes'], { env: cliEnv });
      return new RegExp(`^${node}\\s+Ready\\s`, 'm').test(result.stdout);
    }, { timeoutMs: 30_000, intervalMs: 200 });
    say(`baton: mosquitto, coordinator and agent (${program.kind === 'binary' ? program.path : 'node dist/baton-agent.js'}) up; node ${node} Ready`);

    return {
      node,
      async apply(pod, program) {
        running.delete(pod);
        await cli(['apply', '-f', '-'], podManifest(pod), program);
      },
      async waitRunning(pod, since, timeoutMs) {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          const at = running.get(pod);
          if (at !== undefined && at >= since) return at;
          check();
          if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for pod ${pod} Running on the broker\nagent:\n${tail(agent)}`);
          // Only the lookup polls; the time recorded is the message's arrival.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
      async remove(pod) {
        await cli(['delete', 'pod', pod]);
        await waitFor(`pod ${pod}'s status cleared and its container gone`, async () => !present.has(pod) && (await containersWithLabels(`io.baton.node=${node}`, `io.baton.pod=${pod}`)).length === 0, { timeoutMs: 60_000, intervalMs: 100 });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function tail(p: Running): string {
  return p.output().split('\n').slice(-20).join('\n');
}
