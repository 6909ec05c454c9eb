import { resolve } from 'node:path';
import { createLogger, type Logger } from '../protocol/log.js';
import { encodePayload } from '../protocol/codec.js';
import { redactBrokerUrl } from '../protocol/broker-url.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { optionsHelp, UsageError } from '../protocol/options.js';
import { Topics } from '../protocol/topics.js';
import type { NodePolicy } from './admission.js';
import { Agent, type AgentLink } from './agent.js';
import { CREDENTIALS_FILE, loadCredentials, saveCredentials, type Credentials } from './credentials.js';
import { DeferredLink } from './deferred-link.js';
import { joinCoordinator } from './join.js';
import { keepJoining } from './keep-joining.js';
import { systemClock } from './clock.js';
import { isLoopAlive, notifySettings, SdNotify, systemdNotifySend } from '../protocol/sd-notify.js';
import { DesiredStore } from './desired-store.js';
import { NodeFacts } from './node-facts.js';
import { offlineStatus } from './node-status.js';
import { agentOptionSpecs, DEFAULT_BROKER, parseAgentOptions, type AgentOptions } from './options.js';
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
  let credentials: Credentials | undefined;
  try {
    credentials = await loadCredentials(options.stateDir, options.node);
  } catch (error) {
    return fatal(error);
  }
  // Set once the agent runs; a join that fails for good stops it through this.
  let failed: (error: unknown) => void = () => undefined;
  const link = brokerLink(options, credentials, topics, log, (error) => failed(error));
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
  const stop = (signal: string, code = 0): void => {
    if (shutdown.signal.aborted) return;
    log.info({ reason: signal }, 'stopping; containers keep running');
    shutdown.abort();
    Promise.all([notifier?.stopping(), agent.stop()]).then(
      () => process.exit(code),
      (error: unknown) => {
        log.error({ reason: (error as Error).message }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  failed = (error) => {
    const message = error instanceof Error ? error.message : String(error);
    log.fatal({ reason: message }, 'cannot join the coordinator');
    process.stderr.write(`baton-agent: ${message.split('\n')[0]}\n`);
    stop('JoinFailed', 1);
  };

  try {
    await agent.start(shutdown.signal);
  } catch (error) {
    return fatal(error);
  }
  notifier?.ready();
  return undefined;
}

/**
 * The agent's broker link. A node that joined uses its credentials.json (and its broker,
 * unless `--broker` names another). A node with a token and no credentials joins first:
 * the link comes once the join is done, and meanwhile the agent runs its saved pods
 * (DeferredLink). Any other connects as it is told, without credentials.
 */
function brokerLink(options: AgentOptions, credentials: Credentials | undefined, topics: Topics, log: Logger, onJoinFailure: (error: unknown) => void): AgentLink {
  const linkWith = (settings: { username?: string; password?: string; ca?: string; broker?: string }): MqttLink =>
    new MqttLink({
      url: options.broker ?? settings.broker ?? DEFAULT_BROKER,
      clientId: `baton-agent-${options.node}`,
      will: { topic: topics.nodeStatus(options.node), payload: encodePayload(offlineStatus(options.node, 'ConnectionLost')), retain: true },
      reconnect: true,
      keepaliveSeconds: options.keepaliveSeconds,
      log,
      ...(settings.username !== undefined ? { username: settings.username } : {}),
      ...(settings.password !== undefined ? { password: settings.password } : {}),
      ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
    });
  if (credentials !== undefined) {
    log.info({ username: credentials.username, broker: redactBrokerUrl(options.broker ?? credentials.broker) }, `using ${CREDENTIALS_FILE}${options.token !== undefined ? '; the token is not needed any more' : ''}`);
    return linkWith(credentials);
  }
  const { server, token } = options;
  if (token !== undefined && server === undefined) log.warn({ reason: 'NoServer' }, "a join token without --server (BATON_SERVER), the coordinator's HTTP address: not joining");
  if (server === undefined || token === undefined) return linkWith({});
  return new DeferredLink(async (signal) => {
    log.info({ server }, 'joining the coordinator; the saved pods run meanwhile');
    const joined = await keepJoining((attempt) => joinCoordinator({ server, node: options.node, token, signal: attempt }), { signal, log });
    await saveCredentials(options.stateDir, joined);
    log.info({ username: joined.username, broker: redactBrokerUrl(options.broker ?? joined.broker) }, `joined the coordinator; credentials saved in ${CREDENTIALS_FILE}`);
    return linkWith(joined);
  }, onJoinFailure);
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
