import { access, constants, mkdir } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { BATON_VERSION, versionLine } from '../protocol/version.js';
import { UsageError } from '../protocol/options.js';
import { createLogger } from '../protocol/log.js';
import { COORDINATOR_USERNAME } from '../protocol/identity.js';
import { redactBrokerUrl } from '../protocol/broker-url.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { isLoopAlive, notifySettings, SdNotify, systemdNotifySend } from '../protocol/sd-notify.js';
import { Topics } from '../protocol/topics.js';
import { coordinatorHelp, parseCoordinatorArgs, type CoordinatorConfig } from './config.js';
import { Coordinator } from './coordinator.js';
import { loadSecurity } from './security.js';
import { writeMosquittoConfig } from './auth/mosquitto-config.js';
import { setUpBroker } from './broker-setup.js';
import { mosquittoConfigHelp, parseMosquittoConfigArgs } from './mosquitto-config-args.js';
import { goDuration } from './eviction.js';
import { startInstallServer } from './http/serve-installer.js';
import { randomNameSuffix } from './pod-names.js';
import { Store } from './store.js';

/** The composition root of `baton-coordinator`: flags in, everything built here and passed down. */

const PROGRAM = 'baton-coordinator';

/** An error the user can act on; printed as one line, exit 1. */
class FatalError extends Error {
  override name = 'FatalError';
}

function clientId(prefix: string): string {
  const tag = prefix === 'baton' ? '' : `-${prefix.replace(/[^A-Za-z0-9]/g, '')}`;
  return `baton-coordinator${tag}`;
}

async function ensureStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new FatalError(`cannot use the state directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

async function run(config: CoordinatorConfig): Promise<void> {
  const log = createLogger(PROGRAM, config.logLevel);
  if (config.ignored !== undefined) log.info({ reason: 'SettingIgnored' }, config.ignored);
  await ensureStateDir(config.stateDir);
  const store = new Store(config.stateDir);
  const state = await store.load();

  const topics = new Topics(config.prefix);
  const { auth, pki } = await loadSecurity(config, log);
  const broker = await setUpBroker(config, auth, pki, topics, log).catch((error: unknown) => {
    throw new FatalError((error as Error).message, { cause: error });
  });
  const { embedded, url } = broker;
  const installServer = await startInstallServer(config, broker.agentBroker, log, { cert: pki.serverCertPem, key: pki.serverKeyPem, caCert: pki.caCertPem }, { store: auth, ...(broker.tlsPort !== undefined ? { mqttsPort: broker.tlsPort } : {}) }).catch(async (error: unknown) => {
    broker.stopFollowing();
    await embedded?.stop();
    throw new FatalError((error as Error).message, { cause: error });
  });

  const link = new MqttLink({
    url,
    clientId: clientId(config.prefix),
    reconnect: true,
    will: { topic: topics.coordinatorStatus(), payload: Coordinator.offlineStatus(BATON_VERSION), retain: true },
    log,
    username: COORDINATOR_USERNAME,
    password: auth.coordinatorPassword(),
    ...(url.startsWith('mqtts:') ? { ca: pki.caCertPem } : {}),
  });
  const coordinator = new Coordinator(
    {
      link,
      topics,
      store,
      log,
      version: BATON_VERSION,
      entropy: { now: () => new Date().toISOString(), newUid: () => randomUUID(), nameSuffix: randomNameSuffix },
      monotonicMs: () => performance.now(),
      evictionTimeoutMs: config.evictionTimeoutMs,
      nodeGraceMs: config.nodeGraceMs,
      auth: { store: auth, caSha256: pki.caSha256 },
    },
    state,
  );
  await coordinator.start();
  log.info(
    {
      broker: redactBrokerUrl(url),
      admin: auth.adminCredentialsPath,
      stateDir: config.stateDir,
      store: store.path,
      evictionTimeout: goDuration(config.evictionTimeoutMs),
      nodeGrace: goDuration(config.nodeGraceMs),
      deployments: Object.keys(state.deployments).length,
      pods: Object.keys(state.pods).length,
    },
    `${PROGRAM} ${BATON_VERSION} started`,
  );

  // Under systemd (Type=notify): READY=1 once the store is loaded and the broker link
  // started, watchdog pings while the request queue moves (one request or pass stuck for
  // a whole watchdog period stops them; the queue never waits on the broker), and
  // STOPPING=1 on the way out.
  const notify = notifySettings(process.env, process.pid);
  const notifier =
    notify === undefined
      ? undefined
      : new SdNotify({
          settings: notify,
          send: systemdNotifySend(process.pid, process.env),
          isAlive: () => isLoopAlive(coordinator.busySince(), performance.now(), notify.watchdogMs ?? Infinity),
          log,
        });
  notifier?.ready();

  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      log.info({ reason: signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  await Promise.all([notifier?.stopping(), coordinator.stop(), installServer?.stop()]);
  broker.stopFollowing();
  await embedded?.stop();
  log.info({ reason: 'Stopped' }, 'stopped');
}

/** `baton-coordinator mosquitto-config --out DIR`: mosquitto's files for this coordinator's credentials and certificates. */
async function mosquittoConfig(argv: readonly string[]): Promise<number> {
  let sub: ReturnType<typeof parseMosquittoConfigArgs>;
  try {
    sub = parseMosquittoConfigArgs(argv, process.env, process.getuid?.() === 0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${PROGRAM} mosquitto-config: ${error.message}; see ${PROGRAM} mosquitto-config --help\n`);
    return 2;
  }
  if (sub.kind === 'help') {
    process.stdout.write(`${mosquittoConfigHelp()}\n`);
    return 0;
  }
  const files = await writeMosquittoConfig(sub.command);
  process.stdout.write(`${files.join('\n')}\n`);
  return 0;
}

/** This program's script with symlinks resolved (an npm bin link), for the default --binaries; a single binary has none. */
function programScript(): string | undefined {
  const script = process.argv[1];
  if (script === undefined) return undefined;
  try {
    return realpathSync(script);
  } catch {
    return script;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'mosquitto-config') return mosquittoConfig(argv.slice(1));
  let command: ReturnType<typeof parseCoordinatorArgs>;
  try {
    command = parseCoordinatorArgs(argv, process.env, process.getuid?.() === 0, programScript());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}; see ${PROGRAM} --help\n`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${coordinatorHelp()}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${versionLine(PROGRAM)}\n`);
      return 0;
    case 'run':
      await run(command.config);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${PROGRAM}: ${message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
