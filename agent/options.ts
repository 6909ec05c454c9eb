import { homedir, hostname } from 'node:os';
import { join, posix } from 'node:path';
import { logLevels } from '../protocol/log.js';
import { taintEffects, type Taint } from '../protocol/manifest-scheduling.js';
import { isLabelKey, isLabelValue, subdomainName } from '../protocol/names.js';
import { isWithin, normalizeHostPath } from '../protocol/node-allows.js';
import { booleanOption, listOption, parseDuration, parseKeyValues, parseOptions, stringOption, UsageError, type OptionSpec } from '../protocol/options.js';
import { parseJoinToken, type JoinToken } from '../protocol/join-token.js';
import { parseBrokerUrl } from '../protocol/broker-url.js';
import { DEFAULT_PREFIX } from '../protocol/topics.js';

/** baton-agent's flags; each has an environment variable. Pure: parsing does no I/O. */

/** The broker of a node that has not joined and was given none. */
export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';

export const agentOptionSpecs: readonly OptionSpec[] = [
  { name: 'broker', env: 'BATON_BROKER', kind: 'string', placeholder: 'URL', description: `MQTT broker; default: the one the node got when it joined (credentials.json), else ${DEFAULT_BROKER}` },
  { name: 'server', env: 'BATON_SERVER', kind: 'string', placeholder: 'URL', description: "the coordinator's HTTP address (http://HOST:8484), where the node joins with --token" },
  { name: 'token', env: 'BATON_TOKEN', kind: 'string', placeholder: 'TOKEN', description: "join token (baton token create): with --server, the node joins once and keeps its own credentials in the state directory's credentials.json; not needed after that" },
  { name: 'prefix', env: 'BATON_PREFIX', kind: 'string', placeholder: 'P', description: 'topic prefix', default: DEFAULT_PREFIX },
  { name: 'node', env: 'BATON_NODE', kind: 'string', placeholder: 'NAME', description: 'node name, a DNS-1123 subdomain; the hostname, lowercased, when not given' },
  { name: 'state-dir', env: 'BATON_STATE_DIR', kind: 'string', placeholder: 'DIR', description: 'where the desired state is kept; /var/lib/baton/agent as root, else ~/.local/state/baton/agent' },
  { name: 'label', env: 'BATON_LABELS', kind: 'list', placeholder: 'K=V', description: 'node label, repeatable (env: comma separated)' },
  { name: 'taint', env: 'BATON_TAINTS', kind: 'list', placeholder: 'K[=V]:EFFECT', description: `node taint, repeatable (env: comma separated); EFFECT is ${taintEffects.join(', ')}` },
  { name: 'docker-host', env: 'BATON_DOCKER_HOST', kind: 'string', placeholder: 'URL', description: 'Docker engine, unix:// or tcp://', default: 'unix:///var/run/docker.sock' },
  { name: 'resync', env: 'BATON_RESYNC', kind: 'string', placeholder: 'DURATION', description: 'full reconcile period, the safety net behind Docker events (10s, 1m; a bare number is seconds)', default: '10s' },
  { name: 'keepalive', env: 'BATON_KEEPALIVE', kind: 'string', placeholder: 'DURATION', description: 'MQTT keep-alive, whole seconds; the broker says the node offline (its last will) after 1.5 times this without a word from it', default: '10s' },
  { name: 'status-interval', env: 'BATON_STATUS_INTERVAL', kind: 'string', placeholder: 'DURATION', description: 'node status heartbeat', default: '10s' },
  { name: 'backoff', env: 'BATON_BACKOFF', kind: 'string', placeholder: 'DURATION', description: 'first back-off after a crash, a failed pull or a failed start; it doubles each time up to --backoff-max (kubelet: 10s)', default: '10s' },
  { name: 'backoff-max', env: 'BATON_BACKOFF_MAX', kind: 'string', placeholder: 'DURATION', description: 'longest back-off; a container that ran for twice this long starts its back-off over (kubelet: 5m)', default: '5m' },
  { name: 'allow-privileged', env: 'BATON_ALLOW_PRIVILEGED', kind: 'boolean', description: 'let pods on this node run privileged containers (securityContext.privileged); refused otherwise' },
  { name: 'allow-host-network', env: 'BATON_ALLOW_HOST_NETWORK', kind: 'boolean', description: "let pods on this node use the node's network (hostNetwork); refused otherwise" },
  { name: 'allow-host-path', env: 'BATON_ALLOW_HOST_PATHS', kind: 'list', placeholder: 'PATH', description: 'let pods mount this path of the node, or anything under it, as a hostPath volume; repeatable (env: comma separated); none otherwise' },
  { name: 'allow-device', env: 'BATON_ALLOW_DEVICES', kind: 'list', placeholder: 'PATH', description: 'let pods use this device (a hostPath under /dev or of type CharDevice/BlockDevice): a path, a directory of devices, or a prefix ending in * (/dev/ttyUSB*); repeatable (env: comma separated); none otherwise' },
  { name: 'log-level', env: 'BATON_LOG_LEVEL', kind: 'string', placeholder: 'L', description: `log level: ${logLevels.join(', ')}`, default: 'info' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'show this help' },
  { name: 'version', kind: 'boolean', description: 'show the version' },
];

export interface AgentOptions {
  /** From `--broker`; undefined when not given (then credentials.json's, else DEFAULT_BROKER). */
  readonly broker: string | undefined;
  /** From `--server`: the coordinator's HTTP origin, without a trailing slash. */
  readonly server: string | undefined;
  /** From `--token`, checked; used only with `server` (program.ts warns otherwise). Its secret must never be logged. */
  readonly token: JoinToken | undefined;
  readonly prefix: string;
  readonly node: string;
  readonly stateDir: string;
  readonly labels: Record<string, string>;
  /** From `--taint`, in the order given (the scheduler names the first one a pod does not tolerate). */
  readonly taints: Taint[];
  readonly dockerHost: string;
  readonly resyncMs: number;
  readonly statusIntervalMs: number;
  /** MQTT keep-alive: a silent network cut is seen by the broker within 1.5 times this. */
  readonly keepaliveSeconds: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  /** From `--allow-host-path`, normalised, in the order given, without repeats. */
  readonly allowedHostPaths: string[];
  /** From `--allow-device`, normalised (a trailing `*` kept), in the order given, without repeats. */
  readonly allowedDevices: string[];
  readonly logLevel: string;
}

export function defaultStateDir(isRoot: boolean, home: string): string {
  return isRoot ? '/var/lib/baton/agent' : join(home, '.local', 'state', 'baton', 'agent');
}

/** Parses `key=value:Effect` or `key:Effect`, as `kubectl taint`; throws UsageError naming the flag. */
export function parseTaints(specs: readonly string[]): Taint[] {
  const taints: Taint[] = [];
  for (const text of specs) {
    const bad = (why: string): UsageError => new UsageError(`--taint ${JSON.stringify(text)}: ${why}`);
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw bad(`expected KEY=VALUE:EFFECT or KEY:EFFECT, EFFECT one of ${taintEffects.join(', ')}`);
    const effect = taintEffects.find((e) => e === text.slice(colon + 1));
    if (effect === undefined) throw bad(`${JSON.stringify(text.slice(colon + 1))} is not an effect: must be one of ${taintEffects.join(', ')}`);
    const keyValue = text.slice(0, colon);
    const eq = keyValue.indexOf('=');
    const key = eq >= 0 ? keyValue.slice(0, eq) : keyValue;
    const value = eq >= 0 ? keyValue.slice(eq + 1) : undefined;
    if (!isLabelKey(key)) throw bad(`${JSON.stringify(key)} is not a valid taint key`);
    if (value !== undefined && !isLabelValue(value)) throw bad(`${JSON.stringify(value)} is not a valid taint value`);
    if (taints.some((t) => t.key === key && t.effect === effect)) throw bad(`a taint with key ${JSON.stringify(key)} and effect ${effect} is given twice`);
    taints.push({ key, ...(value !== undefined && value !== '' ? { value } : {}), effect });
  }
  return taints;
}

/**
 * `--allow-host-path` values: absolute paths, normalised (`/srv/data/` is `/srv/data`).
 * A path under /dev is refused: devices are allowed with `--allow-device`, so that a
 * broad `--allow-host-path /` never hands out the node's devices.
 */
export function parseAllowedHostPaths(values: readonly string[]): string[] {
  const paths: string[] = [];
  for (const value of values) {
    const bad = (why: string): UsageError => new UsageError(`--allow-host-path ${JSON.stringify(value)}: ${why}`);
    if (!value.startsWith('/')) throw bad('must be an absolute path');
    if (value.includes('*')) throw bad('takes a path, not a pattern: a path allows everything under it');
    const path = normalizeHostPath(value);
    if (isWithin(path, '/dev')) throw bad(`${path} is a device path: allow devices with --allow-device`);
    if (!paths.includes(path)) paths.push(path);
  }
  return paths;
}

/** `--allow-device` values: absolute paths, normalised; a `*` only at the end, keeping what comes before it as written (`/dev/bus/usb/*`). */
export function parseAllowedDevices(values: readonly string[]): string[] {
  const devices: string[] = [];
  for (const value of values) {
    const bad = (why: string): UsageError => new UsageError(`--allow-device ${JSON.stringify(value)}: ${why}`);
    if (!value.startsWith('/')) throw bad('must be an absolute path');
    const star = value.indexOf('*');
    if (star >= 0 && star !== value.length - 1) throw bad('a * may only end the path, as in /dev/ttyUSB* (quote it, so the shell leaves it alone)');
    const device = star >= 0 ? `${posix.normalize(value.slice(0, -1))}*` : normalizeHostPath(value);
    if (device === '/' || device === '/*') throw bad('would allow every file of the node as a device; name the devices, as /dev/ttyUSB*');
    if (!devices.includes(device)) devices.push(device);
  }
  return devices;
}

/** `--server`: an http:// (or https://) URL of a host and an optional port; its origin. */
export function parseServer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bad = new UsageError(`--server ${JSON.stringify(value)}: must be the coordinator's HTTP address, http://HOST:PORT (as http://coordinator.local:8484)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') throw bad;
  if (url.pathname !== '/') throw bad;
  return url.origin;
}

/** `--token`: a join token; the message never repeats it (it holds a secret). */
export function parseToken(value: string | undefined): JoinToken | undefined {
  if (value === undefined) return undefined;
  const parsed = parseJoinToken(value);
  if (!parsed.ok) throw new UsageError(`--token: not a join token: ${parsed.reason}; pass the whole token baton token create printed`);
  return { id: parsed.id, secret: parsed.secret, caSha256: parsed.caSha256 };
}

/** Parses argv and env into the agent's options; throws UsageError naming the bad flag. */
export function parseAgentOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  host: { hostname: string; isRoot: boolean; home: string } = { hostname: hostname(), isRoot: process.getuid?.() === 0, home: homedir() },
): AgentOptions {
  const { values, positionals } = parseOptions(argv, env, agentOptionSpecs);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const node = stringOption(values, 'node') ?? host.hostname.toLowerCase();
  if (!subdomainName.safeParse(node).success) {
    throw new UsageError(`--node ${JSON.stringify(node)}: must consist of lowercase letters, digits, '-' and '.', and start and end with a letter or digit`);
  }
  const labels = parseKeyValues(listOption(values, 'label'), 'label');
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key)) throw new UsageError(`--label ${JSON.stringify(`${key}=${value}`)}: ${JSON.stringify(key)} is not a valid label key`);
    if (!isLabelValue(value)) throw new UsageError(`--label ${JSON.stringify(`${key}=${value}`)}: ${JSON.stringify(value)} is not a valid label value`);
  }
  const dockerHost = stringOption(values, 'docker-host') ?? 'unix:///var/run/docker.sock';
  if (!/^(unix|tcp):\/\/./.test(dockerHost)) throw new UsageError(`--docker-host ${JSON.stringify(dockerHost)}: must be unix:///path or tcp://HOST:PORT`);
  const logLevel = stringOption(values, 'log-level') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level ${JSON.stringify(logLevel)}: must be one of ${logLevels.join(', ')}`);
  }
  const broker = stringOption(values, 'broker');
  if (broker !== undefined) {
    try {
      parseBrokerUrl(broker);
    } catch (error) {
      throw new UsageError(`--broker: ${(error as Error).message}`);
    }
  }
  const server = parseServer(stringOption(values, 'server'));
  const token = parseToken(stringOption(values, 'token'));
  const keepaliveMs = parseDuration(stringOption(values, 'keepalive'), 'keepalive');
  // MQTT carries the keep-alive as a 16-bit count of seconds.
  if (keepaliveMs % 1000 !== 0 || keepaliveMs > 65_535_000) {
    throw new UsageError(`--keepalive ${stringOption(values, 'keepalive')}: must be whole seconds, from 1s to 65535s`);
  }
  const backoffMs = parseDuration(stringOption(values, 'backoff'), 'backoff');
  const backoffMaxMs = parseDuration(stringOption(values, 'backoff-max'), 'backoff-max');
  if (backoffMaxMs < backoffMs) throw new UsageError(`--backoff-max ${stringOption(values, 'backoff-max')}: must not be shorter than --backoff ${stringOption(values, 'backoff')}`);
  return {
    broker,
    server,
    token,
    prefix: stringOption(values, 'prefix') ?? DEFAULT_PREFIX,
    node,
    stateDir: stringOption(values, 'state-dir') ?? defaultStateDir(host.isRoot, host.home),
    labels,
    taints: parseTaints(listOption(values, 'taint')),
    dockerHost,
    resyncMs: parseDuration(stringOption(values, 'resync'), 'resync'),
    statusIntervalMs: parseDuration(stringOption(values, 'status-interval'), 'status-interval'),
    keepaliveSeconds: keepaliveMs / 1000,
    backoffMs,
    backoffMaxMs,
    allowPrivileged: booleanOption(values, 'allow-privileged'),
    allowHostNetwork: booleanOption(values, 'allow-host-network'),
    allowedHostPaths: parseAllowedHostPaths(listOption(values, 'allow-host-path')),
    allowedDevices: parseAllowedDevices(listOption(values, 'allow-device')),
    logLevel,
  };
}
