import { resolve } from 'node:path';
import { createLogger } from '../protocol/log.js';
import { encodePayload } from '../protocol/codec.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { optionsHelp, UsageError } from '../protocol/options.js';
import { Topics } from '../protocol/topics.js';
import type { NodePolicy } from './admission.js';
import { Agent } from './agent.js';
import { systemClock } from './clock.js';
import { isLoopAlive, notifySettings, SdNotify, systemdNotifySend } from '../protocol/sd-notify.js';
import { DesiredStore } from './desired-store.js';
import { NodeFacts } from './node-facts.js';
import { offlineStatus } from './node-status.js';
import { agentOptionSpecs, parseAgentOptions, type AgentOptions } from './options.js';
import { guardHostPaths } from './host-path-guard.js';
import { prepareHostPath } from './host-paths.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { pauseArchOf } from './sandbox/pause-elf.js';
import { ensurePauseImage, PAUSE_IMAGE } from './sandbox/pause-image.js';

/**
 * The composition root: builds every part from the options and passes it down. No part
 * does I/O before `start()`. SIGTERM/SIGINT abort one signal, stop the agent (which says
 * offline, reason AgentStopped) and exit 0, leaving the containers running.
 *
 * Returns an exit code when the program is done at once (help, usage or fatal error);
 * undefined while the agent runs.
 */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  let options: AgentOptions;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`Usage: baton-agent [options]\n\nThe Baton node agent: runs this node's pods on the local Docker engine.\n\n${optionsHelp(agentOptionSpecs)}\n`);
      return 0;
    }
    options = parseAgentOptions(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`baton-agent: ${error.message.replace(/\s*\n\s*/g, ' ')} (see --help)\n`);
      return 2;
    }
    throw error;
  }

  const log = createLogger('baton-agent', options.logLevel, { node: options.node });
  const topics = new Topics(options.prefix);
  let runtime: DockerRuntime;
  try {
    runtime = new DockerRuntime(options.dockerHost);
  } catch (error) {
    return fatal(error);
  }
  const link = new MqttLink({
    url: options.broker,
    clientId: `baton-agent-${options.node}`,
    will: { topic: topics.nodeStatus(options.node), payload: encodePayload(offlineStatus(options.node, 'ConnectionLost')), retain: true },
    reconnect: true,
    keepaliveSeconds: options.keepaliveSeconds,
  });
  const policy = nodePolicy(options);
  const agent = new Agent({
    config: {
      node: options.node,
      labels: options.labels,
      taints: options.taints,
      resyncMs: options.resyncMs,
      statusIntervalMs: options.statusIntervalMs,
      // Kubelet forgives a crash loop after a run of twice the longest back-off.
      backoff: { initialMs: options.backoffMs, maxMs: options.backoffMaxMs, resetAfterMs: 2 * options.backoffMaxMs },
      policy,
    },
    runtime,
    sandboxImage: { image: PAUSE_IMAGE, ensure: () => ensurePauseImage(runtime, pauseArchOf(process.arch)).then(() => undefined) },
    prepareHostPath: guardHostPaths(policy, options.node, prepareHostPath),
    link,
    topics,
    facts: new NodeFacts(),
    store: new DesiredStore(options.stateDir, options.node, log),
    log,
    clock: systemClock,
  });

  // Under systemd (Type=notify): READY=1 once started, watchdog pings while the loop is
  // alive (a pass stuck for a whole watchdog period stops them), STOPPING=1 on the way out.
  const notify = notifySettings(env, process.pid);
  const notifier =
    notify === undefined
      ? undefined
      : new SdNotify({
          settings: notify,
          send: systemdNotifySend(process.pid, env),
          isAlive: () => isLoopAlive(agent.passRunningSince(), systemClock.mono(), notify.watchdogMs ?? Infinity),
          log,
        });

  const shutdown = new AbortController();
  const stop = (signal: string): void => {
    if (shutdown.signal.aborted) return;
    log.info({ reason: signal }, 'stopping; containers keep running');
    shutdown.abort();
    Promise.all([notifier?.stopping(), agent.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ reason: (error as Error).message }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await agent.start(shutdown.signal);
  } catch (error) {
    return fatal(error);
  }
  notifier?.ready();
  return undefined;
}

/**
 * What pods may take from this node, from the `--allow-*` flags. Besides the engines'
 * usual sockets, a hostPath may expose this agent's state directory (the pods it runs)
 * and the socket of its `--docker-host` only when an allowance names that very path.
 */
export function nodePolicy(options: AgentOptions): NodePolicy {
  const socket = options.dockerHost.startsWith('unix://') ? [{ path: resolve(options.dockerHost.slice('unix://'.length)), what: 'the Docker socket (root on the node)' }] : [];
  return {
    allowPrivileged: options.allowPrivileged,
    allowHostNetwork: options.allowHostNetwork,
    allowedHostPaths: options.allowedHostPaths,
    allowedDevices: options.allowedDevices,
    protectedPaths: [...socket, { path: resolve(options.stateDir), what: "the agent's state directory (what the node runs)" }],
  };
}

function fatal(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`baton-agent: ${message.split('\n')[0]}\n`);
  return 1;
}
