import { listOption, parseOptions, stringOption, UsageError, booleanOption, type OptionSpec } from '../../protocol/options.js';
import { parseBrokerUrl } from '../../protocol/broker-url.js';
import { DEFAULT_PREFIX } from '../../protocol/topics.js';
import { kindNames, resolveKind, type KindInfo } from './kinds.js';
import { descriptionSpec, parseToken, tokenFlagsOnlyForCreate, ttlSpec, type TokenCommand, type TokenFlags } from './token-args.js';
import { onlyFor, parseRollout, parseScale, replicasSpec, revisionSpec, takeWatchFlag, toRevisionSpec, type RolloutCommand, type RolloutFlags, type WorkloadRef } from './rollout-args.js';

/**
 * The command line of `baton`, kubectl-style: a verb, its arguments, and flags that may
 * appear anywhere. Pure: argv and the environment in, an Invocation or a UsageError out.
 */

export const verbs = ['apply', 'get', 'describe', 'delete', 'scale', 'rollout', 'cordon', 'uncordon', 'drain', 'token'] as const;
export type Verb = (typeof verbs)[number];

export const globalSpecs: readonly OptionSpec[] = [
  { name: 'broker', env: 'BATON_BROKER', kind: 'string', placeholder: 'URL', description: 'MQTT broker to talk through', default: 'mqtt://127.0.0.1:1883' },
  {
    name: 'credentials',
    env: 'BATON_CREDENTIALS',
    kind: 'string',
    placeholder: 'FILE',
    description: "the admin credentials (the coordinator's admin.json: user, password, CA, broker); default $XDG_CONFIG_HOME/baton/admin.json (~/.config/baton/admin.json) if it exists",
  },
  { name: 'prefix', env: 'BATON_PREFIX', kind: 'string', placeholder: 'P', description: 'topic prefix', default: DEFAULT_PREFIX },
  { name: 'timeout', env: 'BATON_TIMEOUT', kind: 'string', placeholder: 'SECONDS', description: 'how long to wait for the broker and the coordinator', default: '5' },
  { name: 'help', short: 'h', kind: 'boolean', description: 'print usage and exit' },
  { name: 'version', kind: 'boolean', description: 'print the version and exit' },
];

export const filenameSpec: OptionSpec = { name: 'filename', short: 'f', kind: 'list', placeholder: 'FILE|DIR|-', description: 'manifest file, directory of *.yaml/*.yml/*.json, or - for stdin (repeatable)' };
export const outputSpec: OptionSpec = { name: 'output', short: 'o', kind: 'string', placeholder: 'wide|json|yaml', description: 'output format (default: a table)' };

export const forceSpec: OptionSpec = { name: 'force', kind: 'boolean', description: 'drain: also delete pods that no controller owns (they are not recreated)' };

const allSpecs: readonly OptionSpec[] = [...globalSpecs, filenameSpec, outputSpec, forceSpec, replicasSpec, toRevisionSpec, revisionSpec, ttlSpec, descriptionSpec];

export interface GlobalOptions {
  /** --broker, BATON_BROKER, else the default; the credentials file's broker is used instead unless `brokerGiven`. */
  broker: string;
  /** --broker or BATON_BROKER was given: it wins over the credentials file's broker. */
  brokerGiven?: true;
  /** --credentials or BATON_CREDENTIALS; without it, ~/.config/baton/admin.json if it exists (session.ts). */
  credentials?: string;
  prefix: string;
  timeoutMs: number;
}

/** The kinds `describe` knows how to print. */
export type DescribableKind = KindInfo & { list: 'pods' | 'nodes' };

export const outputFormats = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export type Invocation =
  | { verb: 'version' }
  | { verb: 'help'; topic: Verb | undefined }
  | { verb: 'apply'; globals: GlobalOptions; files: string[] }
  | { verb: 'get'; globals: GlobalOptions; kind: KindInfo; name: string | undefined; output: OutputFormat }
  | { verb: 'describe'; globals: GlobalOptions; kind: DescribableKind; name: string | undefined }
  | { verb: 'delete'; globals: GlobalOptions; target: { kind: KindInfo; name: string } | { files: string[] } }
  | { verb: 'cordon' | 'uncordon'; globals: GlobalOptions; node: string }
  | { verb: 'drain'; globals: GlobalOptions; node: string; force: boolean }
  | { verb: 'scale'; globals: GlobalOptions; target: WorkloadRef; replicas: number }
  | { verb: 'rollout'; globals: GlobalOptions; command: RolloutCommand }
  | { verb: 'token'; globals: GlobalOptions; command: TokenCommand }
  /** `baton delete node NAME`. */
  | { verb: 'delete-node'; globals: GlobalOptions; node: string };

function parseOutput(output: string | undefined): OutputFormat {
  if (output === undefined) return 'table';
  const format = outputFormats.find((f) => f === output && f !== 'table');
  if (format === undefined) throw new UsageError(`get: -o ${JSON.stringify(output)}: expected wide, json or yaml`);
  return format;
}

function isDescribable(kind: KindInfo): kind is DescribableKind {
  return kind.list === 'pods' || kind.list === 'nodes';
}

function isVerb(word: string | undefined): word is Verb {
  return (verbs as readonly string[]).includes(word ?? '');
}

const verbList = `${verbs.slice(0, -1).join(', ')} or ${verbs[verbs.length - 1]}`;

/** `cordon NODE`, `drain node/NODE`: exactly one node, by name. */
function parseNode(words: readonly string[], verb: Verb): string {
  const [first, ...rest] = words;
  if (first === undefined) throw new UsageError(`${verb}: which node? give NODE`);
  if (rest.length > 0) throw new UsageError(`${verb}: unexpected argument ${JSON.stringify(rest[0])}`);
  const slash = first.indexOf('/');
  if (slash >= 0 && resolveKind(first.slice(0, slash))?.list !== 'nodes') throw new UsageError(`${verb}: ${JSON.stringify(first)} is not a node`);
  const node = slash >= 0 ? first.slice(slash + 1) : first;
  if (node === '') throw new UsageError(`${verb}: empty node name in ${JSON.stringify(first)}`);
  return node;
}

function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout ${JSON.stringify(text)}: expected a number of seconds greater than 0`);
  }
  return Math.round(seconds * 1000);
}

/** `pods web` or `pod/web`: a kind and an optional name. */
function parseTarget(words: readonly string[], verb: Verb): { kind: KindInfo; name: string | undefined } {
  const [first, second, ...rest] = words;
  if (first === undefined) throw new UsageError(`${verb}: which kind? one of ${kindNames}`);
  const slash = first.indexOf('/');
  const kindWord = slash >= 0 ? first.slice(0, slash) : first;
  const name = slash >= 0 ? first.slice(slash + 1) : second;
  const extra = slash >= 0 ? [second, ...rest].filter((w) => w !== undefined) : rest;
  const kind = resolveKind(kindWord);
  if (kind === undefined) throw new UsageError(`${verb}: unknown kind ${JSON.stringify(kindWord)}: expected one of ${kindNames}`);
  if (name === '') throw new UsageError(`${verb}: empty name in ${JSON.stringify(first)}`);
  if (extra.length > 0) throw new UsageError(`${verb}: unexpected argument ${JSON.stringify(extra[0])}`);
  return { kind, name };
}

/** Whether --broker or BATON_BROKER was given (the default does not count). */
function isBrokerGiven(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const specs = allSpecs.map((spec) => (spec.name === 'broker' ? { name: spec.name, env: spec.env, kind: spec.kind, description: spec.description } : spec));
  return stringOption(parseOptions(argv, env, specs).values, 'broker') !== undefined;
}

/** `--timeout` as typed on the command line, leaving out BATON_TIMEOUT and the default. */
function commandLineTimeout(argv: readonly string[]): string | undefined {
  const specs = allSpecs.map((spec) => (spec.name === 'timeout' ? { name: spec.name, kind: spec.kind, description: spec.description } : spec));
  return stringOption(parseOptions(argv, {}, specs).values, 'timeout');
}

export function parseCommandLine(commandLine: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  const { argv, watch } = takeWatchFlag(commandLine);
  const { values, positionals } = parseOptions(argv, env, allSpecs);
  if (booleanOption(values, 'version')) return { verb: 'version' };
  const [verbWord, ...words] = positionals;
  if (booleanOption(values, 'help') || verbWord === 'help') {
    const topic = verbWord === 'help' ? words[0] : verbWord;
    return { verb: 'help', topic: isVerb(topic) ? topic : undefined };
  }
  if (verbWord === undefined) throw new UsageError(`no command given: expected ${verbList}`);
  if (!isVerb(verbWord)) throw new UsageError(`unknown command ${JSON.stringify(verbWord)}: expected ${verbList}`);

  const broker = stringOption(values, 'broker') ?? 'mqtt://127.0.0.1:1883';
  try {
    parseBrokerUrl(broker);
  } catch (error) {
    throw new UsageError(`--broker: ${(error as Error).message}`);
  }
  // For `rollout status`, --timeout is how long to wait for the rollout (kubectl's
  // meaning); each request then waits BATON_TIMEOUT or the default.
  const rolloutStatus = verbWord === 'rollout' && words[0] === 'status';
  const requestTimeout = rolloutStatus ? (env.BATON_TIMEOUT || '5') : (stringOption(values, 'timeout') ?? '5');
  const credentials = stringOption(values, 'credentials');
  const globals: GlobalOptions = {
    broker,
    ...(isBrokerGiven(argv, env) ? { brokerGiven: true as const } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    prefix: stringOption(values, 'prefix') ?? DEFAULT_PREFIX,
    timeoutMs: parseTimeout(requestTimeout),
  };
  const rolloutFlags: RolloutFlags = {
    replicas: stringOption(values, 'replicas'),
    toRevision: stringOption(values, 'to-revision'),
    revision: stringOption(values, 'revision'),
    timeout: rolloutStatus ? commandLineTimeout(argv) : undefined,
    watch,
  };
  const files = listOption(values, 'filename');
  const output = stringOption(values, 'output');
  if (verbWord !== 'get' && output !== undefined) throw new UsageError(`${verbWord}: -o/--output is only for get`);
  const force = booleanOption(values, 'force');
  if (verbWord !== 'drain' && force) throw new UsageError(`${verbWord}: --force is only for drain`);
  if ((verbWord === 'cordon' || verbWord === 'uncordon' || verbWord === 'drain') && files.length > 0) throw new UsageError(`${verbWord}: -f is not supported; name the node instead`);
  if ((verbWord === 'scale' || verbWord === 'rollout') && files.length > 0) throw new UsageError(`${verbWord}: -f is not supported; name the object instead (deployment/NAME)`);
  if (verbWord !== 'scale' && verbWord !== 'rollout') onlyFor(rolloutFlags, verbWord);
  const tokenFlags: TokenFlags = { ttl: stringOption(values, 'ttl'), description: stringOption(values, 'description') };
  if (verbWord !== 'token') tokenFlagsOnlyForCreate(tokenFlags, verbWord);
  if (verbWord === 'token' && files.length > 0) throw new UsageError('token: -f is not supported');

  switch (verbWord) {
    case 'apply':
      if (files.length === 0) throw new UsageError('apply: -f FILE|DIR|- is required');
      if (words.length > 0) throw new UsageError(`apply: unexpected argument ${JSON.stringify(words[0])}`);
      return { verb: 'apply', globals, files };
    case 'get': {
      if (files.length > 0) throw new UsageError('get: -f is not supported; name a kind instead');
      return { verb: 'get', globals, ...parseTarget(words, 'get'), output: parseOutput(output) };
    }
    case 'describe': {
      if (files.length > 0) throw new UsageError('describe: -f is not supported; name a kind instead');
      const { kind, name } = parseTarget(words, 'describe');
      if (!isDescribable(kind)) throw new UsageError(`describe: ${kind.list} cannot be described; describe pods or nodes`);
      return { verb: 'describe', globals, kind, name };
    }
    case 'delete': {
      if (files.length > 0) {
        if (words.length > 0) throw new UsageError('delete: give either -f FILE or KIND NAME, not both');
        return { verb: 'delete', globals, target: { files } };
      }
      const { kind, name } = parseTarget(words, 'delete');
      if (kind.list === 'nodes') {
        if (name === undefined) throw new UsageError('delete: which node? give node NAME');
        return { verb: 'delete-node', globals, node: name };
      }
      if (kind.list === 'events') throw new UsageError('delete: events cannot be deleted; the coordinator forgets them after an hour');
      if (name === undefined) throw new UsageError(`delete: which ${kind.singular}? give KIND NAME or -f FILE`);
      return { verb: 'delete', globals, target: { kind, name } };
    }
    case 'cordon':
    case 'uncordon':
      return { verb: verbWord, globals, node: parseNode(words, verbWord) };
    case 'drain':
      return { verb: 'drain', globals, node: parseNode(words, 'drain'), force };
    case 'scale':
      return { verb: 'scale', globals, ...parseScale(words, rolloutFlags) };
    case 'rollout':
      return { verb: 'rollout', globals, command: parseRollout(words, rolloutFlags) };
    case 'token':
      return { verb: 'token', globals, command: parseToken(words, tokenFlags) };
  }
}
