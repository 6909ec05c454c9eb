import { setTimeout as sleep } from 'node:timers/promises';
import { listResultSchema, rolloutResultSchema, type ListItem, type RolloutResult } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient, type RequestBody } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { notFoundMessage, objectRef } from '../kinds.js';
import type { RolloutCommand, WorkloadRef } from '../rollout-args.js';
import { describeRevision, historyTable } from '../rollout-history.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus, rolloutWarning, TIMED_OUT_MESSAGE, type RolloutView } from '../rollout-status.js';
import { withSession } from '../session.js';

/**
 * `baton rollout status|undo|history|restart`, printed as kubectl prints them. Status
 * asks the coordinator for the object again every POLL_MS and prints each new line
 * once, until the rollout is done, has failed, or `--timeout` has passed.
 */

const POLL_MS = 500;

export async function rollout(command: RolloutCommand, globals: GlobalOptions, io: Io): Promise<number> {
  const { kind, name } = command.target;
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    try {
      return await run(client, command, io);
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      if (error.code === 'NotFound') io.err(`Error from coordinator: ${notFoundMessage(kind, name)}`);
      else if (error.code === 'Invalid') io.err(`error: ${error.message}`);
      else for (const line of coordinatorErrorLines(error)) io.err(line);
      return 1;
    }
  });
}

async function run(client: CoordinatorClient, command: RolloutCommand, io: Io): Promise<number> {
  const { target } = command;
  const ref = objectRef(target.kind, target.name);
  const base = { op: 'rollout', kind: target.kind.kind, name: target.name } as const;
  switch (command.action) {
    case 'status':
      return watchStatus(client, command, io);
    case 'undo': {
      const result = await send(client, { ...base, action: 'undo', ...(command.toRevision > 0 ? { toRevision: command.toRevision } : {}) });
      io.out(result.changed ? `${ref} rolled back` : `${ref} skipped rollback (current template already matches revision ${result.revision ?? command.toRevision})`);
      return 0;
    }
    case 'restart':
      await send(client, { ...base, action: 'restart' });
      io.out(`${ref} restarted`);
      return 0;
    case 'history': {
      const result = await send(client, { ...base, action: 'history', ...(command.revision > 0 ? { toRevision: command.revision } : {}) });
      const revisions = result.revisions ?? [];
      const one = revisions[0];
      io.out(command.revision > 0 && one !== undefined ? describeRevision(ref, one) : historyTable(ref, revisions));
      return 0;
    }
    default: {
      const never: never = command;
      throw new Error(`unexpected rollout command ${JSON.stringify(never)}`);
    }
  }
}

async function send(client: CoordinatorClient, body: Extract<RequestBody, { op: 'rollout' }>): Promise<RolloutResult> {
  const reply = validate(rolloutResultSchema, await client.request(body));
  if (!reply.ok) throw new CliError(`the coordinator's reply to rollout ${body.action} cannot be read: ${reply.problems.join('; ')}`);
  return reply.value;
}

async function list(client: CoordinatorClient, kind: 'deployments' | 'daemonsets' | 'pods', name?: string): Promise<ListItem[]> {
  const reply = validate(listResultSchema, await client.request({ op: 'list', kind, ...(name !== undefined ? { name } : {}) }));
  if (!reply.ok) throw new CliError(`the coordinator's reply to list ${kind} cannot be read: ${reply.problems.join('; ')}`);
  return reply.value.items;
}

/** The rollout as of now; the pods are only asked for when it is not done, for the warning. */
async function observe(client: CoordinatorClient, target: WorkloadRef): Promise<RolloutView> {
  const [item] = await list(client, target.kind.list === 'daemonsets' ? 'daemonsets' : 'deployments', target.name);
  if (item === undefined) throw new CoordinatorError('NotFound', `${target.kind.kind} "${target.name}" not found`, []);
  const viewer = target.kind.kind === 'DaemonSet' ? daemonSetRolloutStatus : deploymentRolloutStatus;
  const view = viewer(item);
  if (view.done || view.error !== undefined) return view;
  return viewer(item, rolloutWarning(await list(client, 'pods'), item.metadata.uid));
}

async function watchStatus(client: CoordinatorClient, command: Extract<RolloutCommand, { action: 'status' }>, io: Io): Promise<number> {
  const { target, timeoutMs, watch } = command;
  const deadline = timeoutMs > 0 ? io.now() + timeoutMs : undefined;
  let printed: string | undefined;
  for (let first = true; ; first = false) {
    let view: RolloutView;
    try {
      view = await observe(client, target);
    } catch (error) {
      // Gone while being watched: say so, as kubectl does, rather than "not found".
      if (first || !(error instanceof CoordinatorError) || error.code !== 'NotFound') throw error;
      io.err(`error: ${objectRef(target.kind, target.name)} has been deleted`);
      return 1;
    }
    if (view.error !== undefined) {
      io.err(`error: ${view.error}`);
      return 1;
    }
    if (view.message !== printed) io.out(view.message);
    printed = view.message;
    if (view.done || !watch) return 0;
    const left = deadline === undefined ? POLL_MS : deadline - io.now();
    if (left <= 0) {
      io.err(`error: ${TIMED_OUT_MESSAGE}`);
      return 1;
    }
    await sleep(Math.min(POLL_MS, left));
  }
}
