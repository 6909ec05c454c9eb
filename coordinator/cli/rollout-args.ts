import { parseDuration, UsageError, type OptionSpec } from '../../protocol/options.js';
import { kinds, resolveKind, type KindInfo } from './kinds.js';

/**
 * The arguments of `baton scale` and `baton rollout`, kubectl's way: the object as
 * `deployment/web` or `deployment web`, and the few flags these verbs take. Pure.
 */

export const replicasSpec: OptionSpec = { name: 'replicas', kind: 'string', placeholder: 'N', description: 'scale: the number of pods the Deployment keeps (required)' };
export const toRevisionSpec: OptionSpec = { name: 'to-revision', kind: 'string', placeholder: 'N', description: 'rollout undo: the revision to go back to (default: the one before the current)' };
export const revisionSpec: OptionSpec = { name: 'revision', kind: 'string', placeholder: 'N', description: 'rollout history: show this revision\'s pod template' };
/** Shown in `rollout --help` only: for `rollout status`, --timeout is the rollout's own wait, as in kubectl. */
export const rolloutTimeoutSpec: OptionSpec = {
  name: 'timeout',
  kind: 'string',
  placeholder: 'DURATION',
  description: 'rollout status: give up after this long (2s, 5m; 0 waits for ever, the default)',
};
export const watchSpec: OptionSpec = { name: 'watch', kind: 'boolean', description: 'rollout status: keep watching until done (default); --watch=false prints the status once' };

export const rolloutActions = ['status', 'undo', 'history', 'restart'] as const;
export type RolloutAction = (typeof rolloutActions)[number];

/** A Deployment or DaemonSet, as these verbs name one. */
export interface WorkloadRef {
  kind: KindInfo & { kind: 'Deployment' | 'DaemonSet' };
  name: string;
}

export type RolloutCommand =
  /** `timeoutMs` 0: no limit. */
  | { action: 'status'; target: WorkloadRef; timeoutMs: number; watch: boolean }
  /** `toRevision` 0: the revision before the current. */
  | { action: 'undo'; target: WorkloadRef; toRevision: number }
  /** `revision` 0: every revision. */
  | { action: 'history'; target: WorkloadRef; revision: number }
  | { action: 'restart'; target: WorkloadRef };

/** Flag values these verbs read; undefined when not given. */
export interface RolloutFlags {
  replicas: string | undefined;
  toRevision: string | undefined;
  revision: string | undefined;
  /** `--timeout` as typed on the command line (not BATON_TIMEOUT). */
  timeout: string | undefined;
  watch: boolean | undefined;
}

/**
 * kubectl writes `--watch=false`; Node's parser takes no value for a boolean flag, so
 * `--watch`, `--watch=true` and `--watch=false` are taken out of argv before it runs.
 * Nothing after `--` is looked at.
 */
export function takeWatchFlag(argv: readonly string[]): { argv: string[]; watch: boolean | undefined } {
  const rest: string[] = [];
  let watch: boolean | undefined;
  let ended = false;
  for (const arg of argv) {
    if (ended) {
      rest.push(arg);
      continue;
    }
    if (arg === '--') ended = true;
    const match = /^(?:--watch|-w)(?:=(.*))?$/.exec(arg);
    if (ended || match === null) {
      rest.push(arg);
      continue;
    }
    const value = match[1]?.toLowerCase();
    if (value === undefined || value === 'true') watch = true;
    else if (value === 'false') watch = false;
    else throw new UsageError(`--watch=${match[1] ?? ''}: expected true or false`);
  }
  return { argv: rest, watch };
}

function wholeNumber(text: string, flag: string, minimum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(`--${flag} ${JSON.stringify(text)}: expected a whole number ${minimum} or more`);
  }
  return value;
}

/** `deployment/web`, `deploy web`, `ds/agent`: one object of a kind in `allowed`. */
export function parseWorkloadRef(words: readonly string[], verb: string, allowed: readonly ('Deployment' | 'DaemonSet')[]): WorkloadRef {
  const [first, second, ...rest] = words;
  const expected = allowed.map((k) => `${k === 'Deployment' ? kinds.deployments.singular : kinds.daemonsets.singular}/NAME`).join(' or ');
  if (first === undefined) throw new UsageError(`${verb}: which object? give ${expected}`);
  const slash = first.indexOf('/');
  const kindWord = slash >= 0 ? first.slice(0, slash) : first;
  const name = slash >= 0 ? first.slice(slash + 1) : second;
  const extra = slash >= 0 ? [second, ...rest].filter((w) => w !== undefined) : rest;
  const kind = resolveKind(kindWord);
  if (kind === undefined) throw new UsageError(`${verb}: unknown kind ${JSON.stringify(kindWord)}: expected ${expected}`);
  if (kind.kind !== 'Deployment' && kind.kind !== 'DaemonSet') throw new UsageError(`${verb}: ${kind.list} are not supported: expected ${expected}`);
  if (!allowed.includes(kind.kind)) throw new UsageError(`${verb}: ${kind.list} are not supported: expected ${expected}`);
  if (name === undefined || name === '') throw new UsageError(`${verb}: which ${kind.singular}? give ${expected}`);
  if (extra.length > 0) throw new UsageError(`${verb}: unexpected argument ${JSON.stringify(extra[0])}`);
  return { kind: { ...kind, kind: kind.kind }, name };
}

/** Refuses the flags of scale and rollout that belong to another verb or action than `where`. */
export function onlyFor(flags: RolloutFlags, where: string): void {
  const owners: [keyof RolloutFlags, string, string][] = [
    ['replicas', '--replicas', 'scale'],
    ['toRevision', '--to-revision', 'rollout undo'],
    ['revision', '--revision', 'rollout history'],
    ['watch', '--watch', 'rollout status'],
  ];
  for (const [key, flag, owner] of owners) {
    if (flags[key] !== undefined && owner !== where) throw new UsageError(`${where}: ${flag} is only for ${owner}`);
  }
}

export function parseScale(words: readonly string[], flags: RolloutFlags): { target: WorkloadRef; replicas: number } {
  onlyFor(flags, 'scale');
  const target = parseWorkloadRef(words, 'scale', ['Deployment']);
  if (flags.replicas === undefined) throw new UsageError('scale: --replicas N is required');
  return { target, replicas: wholeNumber(flags.replicas, 'replicas', 0) };
}

export function parseRollout(words: readonly string[], flags: RolloutFlags): RolloutCommand {
  const [actionWord, ...rest] = words;
  const actions = rolloutActions.join(', ');
  if (actionWord === undefined) throw new UsageError(`rollout: which action? one of ${actions}`);
  const action = rolloutActions.find((a) => a === actionWord);
  if (action === undefined) throw new UsageError(`rollout: unknown action ${JSON.stringify(actionWord)}: expected one of ${actions}`);
  const verb = `rollout ${action}`;
  onlyFor(flags, verb);
  switch (action) {
    case 'status':
      return {
        action,
        target: parseWorkloadRef(rest, verb, ['Deployment', 'DaemonSet']),
        timeoutMs: flags.timeout === undefined ? 0 : parseDuration(flags.timeout, 'timeout', true),
        watch: flags.watch ?? true,
      };
    case 'undo':
      return { action, target: parseWorkloadRef(rest, verb, ['Deployment']), toRevision: flags.toRevision === undefined ? 0 : wholeNumber(flags.toRevision, 'to-revision', 0) };
    case 'history':
      return { action, target: parseWorkloadRef(rest, verb, ['Deployment']), revision: flags.revision === undefined ? 0 : wholeNumber(flags.revision, 'revision', 0) };
    case 'restart':
      return { action, target: parseWorkloadRef(rest, verb, ['Deployment', 'DaemonSet']) };
    default: {
      const never: never = action;
      throw new Error(`unexpected rollout action ${String(never)}`);
    }
  }
}
