import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { logLevels } from '../protocol/log.js';
import { normalizeSan } from './auth/server-sans.js';
import { DEFAULT_MOSQUITTO_RELOAD } from './auth/mosquitto-sync.js';
import { parseBrokerUrl } from '../protocol/broker-url.js';
import { DEFAULT_PREFIX } from '../protocol/topics.js';
import { booleanOption, listOption, optionsHelp, parseDuration, parseOptions, stringOption, UsageError, type OptionSpec, type OptionValues } from '../protocol/options.js';

/** The coordinator's flags, each with its environment variable, and what they mean once checked. */

export const DEFAULT_LISTEN = '127.0.0.1:1883';

/** Where a single-binary coordinator finds the agent binaries it serves (see defaultBinariesDir). */
export const INSTALLED_BINARIES_DIR = '/usr/local/share/baton/binaries';

export const coordinatorOptions: readonly OptionSpec[] = [
  { name: 'listen', env: 'BATON_LISTEN', kind: 'string', placeholder: 'HOST:PORT', description: 'run the embedded MQTT broker on this address (the default, on 127.0.0.1:1883, when no external broker is given)' },
  { name: 'broker', env: 'BATON_BROKER', kind: 'string', placeholder: 'URL', description: 'use an external MQTT broker (mqtt://HOST:PORT) instead of the embedded one' },
  { name: 'state-dir', env: 'BATON_STATE_DIR', kind: 'string', placeholder: 'DIR', description: 'where the store lives (default /var/lib/baton/coordinator as root, else ~/.local/state/baton/coordinator)' },
  { name: 'prefix', env: 'BATON_PREFIX', kind: 'string', placeholder: 'P', description: 'topic prefix', default: DEFAULT_PREFIX },
  {
    name: 'eviction-timeout',
    env: 'BATON_EVICTION_TIMEOUT',
    kind: 'string',
    placeholder: 'DURATION',
    description: "how long a node may be NotReady before its Deployments' pods are replaced on other nodes; 2m because a Pi reboots in about a minute, so a reboot or a short Wi-Fi drop moves nothing (0: at once)",
    default: '2m',
  },
  {
    name: 'node-grace',
    env: 'BATON_NODE_GRACE',
    kind: 'string',
    placeholder: 'DURATION',
    description: "a node whose status has not been heard for this long is NotReady (agents send theirs every 10s; a lost connection shows sooner, through the agent's last will)",
    default: '40s',
  },
  { name: 'http', env: 'BATON_HTTP', kind: 'string', placeholder: 'HOST:PORT', description: 'serve the agent installer and the agent binaries over HTTP on this address, such as 0.0.0.0:8484 (default off)' },
  {
    name: 'binaries',
    env: 'BATON_BINARIES',
    kind: 'string',
    placeholder: 'DIR',
    description: `where the agent binaries and their SHA256SUMS are, for --http (default ${INSTALLED_BINARIES_DIR} for the single binary, else bin beside the program: dist/bin of a checkout)`,
  },
  {
    name: 'listen-tls',
    env: 'BATON_LISTEN_TLS',
    kind: 'string',
    placeholder: 'HOST:PORT',
    description: 'also serve the embedded broker over TLS (mqtts) on this address, such as 0.0.0.0:8883, with the certificate in <state dir>/tls (default off)',
  },
  {
    name: 'tls-san',
    env: 'BATON_TLS_SANS',
    kind: 'list',
    placeholder: 'NAME|IP',
    description: "one more name or address the server certificate is valid for, beside localhost, the host name, <host>.local and the machine's addresses (repeatable; the variable takes a comma-separated list)",
  },
  { name: 'anonymous-read', env: 'BATON_ANONYMOUS_READ', kind: 'boolean', description: 'let clients without a password read node, pod and coordinator statuses and events (never desired states, never replies)' },
  {
    name: 'mosquitto-dir',
    env: 'BATON_MOSQUITTO_DIR',
    kind: 'string',
    placeholder: 'DIR',
    description: "with --broker: the folder where baton-coordinator mosquitto-config wrote mosquitto's files; its passwords and acl are rewritten on every credential change",
  },
  {
    name: 'mosquitto-reload',
    env: 'BATON_MOSQUITTO_RELOAD',
    kind: 'string',
    placeholder: 'CMD',
    description: 'the shell command that makes mosquitto re-read its files, run after each rewrite',
    default: DEFAULT_MOSQUITTO_RELOAD,
  },
  { name: 'log-level', env: 'BATON_LOG_LEVEL', kind: 'string', placeholder: 'L', description: `log level: ${logLevels.join(', ')}`, default: 'info' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'show this help' },
  { name: 'version', kind: 'boolean', description: 'show the version' },
];

export function coordinatorHelp(): string {
  return [
    'Usage: baton-coordinator [--listen HOST:PORT | --broker URL] [--state-dir DIR] [--http HOST:PORT] [options]',
    '       baton-coordinator mosquitto-config --out DIR [options]   (see its --help)',
    '',
    "Baton's control plane: stores the applied objects, schedules pods onto nodes and",
    'publishes each node its desired state over MQTT. Logs JSON to stdout. On the first',
    'start it makes its CA and certificates, its own and the CLI\'s credentials (admin.json)',
    'in the state directory; the embedded broker admits only credentials.',
    '',
    'Which broker: a flag on the command line wins over the environment, and an external',
    'broker wins over a listen address set only in the environment, so BATON_BROKER (say',
    'in an env file) switches to an external broker even where BATON_LISTEN is set too.',
    '--listen and --broker together on the command line are an error.',
    '',
    'Options:',
    optionsHelp(coordinatorOptions),
  ].join('\n');
}

export type BrokerChoice = { kind: 'embedded'; host: string; port: number } | { kind: 'external'; url: string };

export interface CoordinatorConfig {
  broker: BrokerChoice;
  stateDir: string;
  prefix: string;
  logLevel: string;
  /** `--eviction-timeout` in ms. */
  evictionTimeoutMs: number;
  /** `--node-grace` in ms. */
  nodeGraceMs: number;
  /** `--http`: where to serve the installer and the binaries; undefined when off. */
  http?: { host: string; port: number };
  /** `--binaries`: the folder with the agent binaries and SHA256SUMS. */
  binariesDir: string;
  /** `--listen-tls`: the embedded broker's TLS listener; undefined when off (always with an external broker). */
  listenTls?: { host: string; port: number };
  /** `--tls-san`: extra names and addresses for the server certificate, normalized. */
  tlsSans: string[];
  /** `--anonymous-read`: clients without credentials may read statuses and events. */
  anonymousRead: boolean;
  /** `--mosquitto-dir` and `--mosquitto-reload`: keep an external mosquitto's files in step; undefined when off. */
  mosquitto?: { dir: string; reloadCommand: string };
  /** A broker setting that was given but lost to another (see chooseBroker), to log at start. */
  ignored?: string;
}

/** `HOST:PORT` or `[IPv6]:PORT`, for the flag named `flag`. */
export function parseListen(value: string, flag = 'listen'): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!match || host === undefined || !Number.isInteger(port) || port > 65535) {
    const example = flag === 'listen' ? '127.0.0.1:1883 or 0.0.0.0:1883' : flag === 'listen-tls' ? '0.0.0.0:8883' : '127.0.0.1:8484 or 0.0.0.0:8484';
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected HOST:PORT, such as ${example}`);
  }
  return { host, port };
}

export function defaultStateDir(isRoot: boolean, home: string): string {
  return isRoot ? '/var/lib/baton/coordinator' : join(home, '.local', 'state', 'baton', 'coordinator');
}

/**
 * The default `--binaries`: `bin` beside the program's script when it runs as a script
 * (`dist/bin` of a checkout or of an npm install), the installed folder when it is a
 * single binary, whose argv[1] is the program itself rather than a `.js` file.
 */
export function defaultBinariesDir(programScript: string | undefined): string {
  return programScript !== undefined && /\.[cm]?js$/.test(programScript) ? join(dirname(programScript), 'bin') : INSTALLED_BINARIES_DIR;
}

/**
 * The embedded broker or an external one. A flag beats an environment variable, and
 * `--broker`/BATON_BROKER beats a BATON_LISTEN from the environment, so an env file that
 * sets BATON_BROKER works under a unit that sets BATON_LISTEN. Only both as flags is an
 * error: nothing says which one was meant.
 */
function chooseBroker(values: OptionValues, flags: OptionValues): { broker: BrokerChoice; ignored?: string } {
  const listen = stringOption(values, 'listen');
  const url = stringOption(values, 'broker');
  const listenFlag = stringOption(flags, 'listen') !== undefined;
  const brokerFlag = stringOption(flags, 'broker') !== undefined;
  if (listenFlag && brokerFlag) {
    throw new UsageError('give either --listen (embedded broker) or --broker (external broker), not both');
  }
  const brokerName = brokerFlag ? '--broker' : 'BATON_BROKER';
  if (url !== undefined && !listenFlag) {
    try {
      parseBrokerUrl(url);
    } catch (error) {
      throw new UsageError(`${brokerName}: ${(error as Error).message}`);
    }
    const broker: BrokerChoice = { kind: 'external', url };
    return listen === undefined ? { broker } : { broker, ignored: `BATON_LISTEN=${listen} ignored: ${brokerName} (an external broker) wins` };
  }
  const broker: BrokerChoice = { kind: 'embedded', ...parseListen(listen ?? DEFAULT_LISTEN) };
  return url === undefined ? { broker } : { broker, ignored: `BATON_BROKER=${url} ignored: --listen on the command line wins` };
}

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: CoordinatorConfig };

export function parsePrefix(values: OptionValues): string {
  const prefix = stringOption(values, 'prefix') ?? DEFAULT_PREFIX;
  if (prefix === '' || /[+#\u0000]/.test(prefix) || prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new UsageError(`--prefix ${JSON.stringify(prefix)}: must be a topic path without wildcards or leading/trailing '/'`);
  }
  return prefix;
}

export function parseSans(values: OptionValues): string[] {
  return listOption(values, 'tls-san').map((text) => {
    const san = normalizeSan(text);
    if (!san.ok) throw new UsageError(`--tls-san: ${san.reason}`);
    return san.san;
  });
}

/**
 * The broker-side security settings. `--listen-tls` belongs to the embedded broker and
 * `--mosquitto-dir` to an external one: given as a flag with the other kind, an error;
 * from the environment (a unit and an env file each setting some), dropped with a note.
 */
function parseSecurity(values: OptionValues, flags: OptionValues, broker: BrokerChoice): { listenTls?: { host: string; port: number }; mosquitto?: { dir: string; reloadCommand: string }; ignored: string[] } {
  const ignored: string[] = [];
  const tlsText = stringOption(values, 'listen-tls') ?? '';
  let listenTls: { host: string; port: number } | undefined;
  if (tlsText !== '') {
    if (broker.kind === 'embedded') listenTls = parseListen(tlsText, 'listen-tls');
    else if (stringOption(flags, 'listen-tls') !== undefined) throw new UsageError('--listen-tls serves the embedded broker; with --broker, mosquitto listens on TLS (see baton-coordinator mosquitto-config)');
    else ignored.push(`BATON_LISTEN_TLS=${tlsText} ignored: the broker is external`);
  }
  const dir = stringOption(values, 'mosquitto-dir') ?? '';
  let mosquitto: { dir: string; reloadCommand: string } | undefined;
  if (dir !== '') {
    if (broker.kind === 'external') mosquitto = { dir, reloadCommand: stringOption(values, 'mosquitto-reload') ?? DEFAULT_MOSQUITTO_RELOAD };
    else if (stringOption(flags, 'mosquitto-dir') !== undefined) throw new UsageError('--mosquitto-dir keeps an external mosquitto in step: give --broker too');
    else ignored.push(`BATON_MOSQUITTO_DIR=${dir} ignored: the broker is the embedded one`);
  }
  return { ...(listenTls !== undefined ? { listenTls } : {}), ...(mosquitto !== undefined ? { mosquitto } : {}), ignored };
}

/**
 * Reads flags and environment; throws UsageError for anything wrong. `programScript` is
 * the program's own script (argv[1], symlinks resolved), for the default `--binaries`.
 */
export function parseCoordinatorArgs(argv: readonly string[], env: NodeJS.ProcessEnv, isRoot: boolean, programScript?: string): ParsedCommand {
  const { values, positionals } = parseOptions(argv, env, coordinatorOptions);
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);

  const flags = parseOptions(argv, {}, coordinatorOptions).values;
  const chosen = chooseBroker(values, flags);
  const broker = chosen.broker;
  const security = parseSecurity(values, flags, broker);
  const notes = [...(chosen.ignored !== undefined ? [chosen.ignored] : []), ...security.ignored];
  const ignored = notes.length > 0 ? notes.join('; ') : undefined;

  const prefix = parsePrefix(values);
  const logLevel = stringOption(values, 'log-level') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level ${JSON.stringify(logLevel)}: must be one of ${logLevels.join(', ')}`);
  }
  const stateDir = stringOption(values, 'state-dir') ?? defaultStateDir(isRoot, env.HOME ?? homedir());
  const evictionTimeoutMs = parseDuration(stringOption(values, 'eviction-timeout'), 'eviction-timeout', true);
  const nodeGraceMs = parseDuration(stringOption(values, 'node-grace'), 'node-grace');
  const httpText = stringOption(values, 'http') ?? '';
  const http = httpText === '' ? undefined : parseListen(httpText, 'http');
  const binariesDir = stringOption(values, 'binaries') || defaultBinariesDir(programScript);
  return {
    kind: 'run',
    config: {
      broker,
      stateDir,
      prefix,
      logLevel,
      evictionTimeoutMs,
      nodeGraceMs,
      ...(http !== undefined ? { http } : {}),
      binariesDir,
      ...(security.listenTls !== undefined ? { listenTls: security.listenTls } : {}),
      tlsSans: parseSans(values),
      anonymousRead: booleanOption(values, 'anonymous-read'),
      ...(security.mosquitto !== undefined ? { mosquitto: security.mosquitto } : {}),
      ...(ignored !== undefined ? { ignored } : {}),
    },
  };
}
