import { cordonResultSchema, drainResultSchema } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { kinds, notFoundMessage } from '../kinds.js';
import { withSession } from '../session.js';

/**
 * `baton cordon|uncordon NODE` and `baton drain NODE [--force]`, printed as kubectl
 * prints them. Drain cordons first (so, as with kubectl, a refused drain leaves the
 * node cordoned), then asks the coordinator to evict.
 */

async function setCordon(client: CoordinatorClient, node: string, unschedulable: boolean, io: Io): Promise<void> {
  const reply = validate(cordonResultSchema, await client.request({ op: 'cordon', node, unschedulable }));
  if (!reply.ok) throw new CliError(`the coordinator's reply to cordon cannot be read: ${reply.problems.join('; ')}`);
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  io.out(`node/${node} ${reply.value.changed ? '' : 'already '}${verb}`);
}

/** Runs `work`; a coordinator error becomes its lines on stderr and exit status 1. */
async function reporting(node: string, io: Io, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (error) {
    if (!(error instanceof CoordinatorError)) throw error;
    if (error.code === 'NotFound') io.err(`Error from coordinator: ${notFoundMessage(kinds.nodes, node)}`);
    else if (error.code === 'Invalid') io.err(`error: unable to drain node "${node}": ${error.message}`);
    else for (const line of coordinatorErrorLines(error)) io.err(line);
    return 1;
  }
}

export async function cordon(node: string, unschedulable: boolean, globals: GlobalOptions, io: Io): Promise<number> {
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    return reporting(node, io, () => setCordon(client, node, unschedulable, io));
  });
}

export async function drain(node: string, force: boolean, globals: GlobalOptions, io: Io): Promise<number> {
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    return reporting(node, io, async () => {
      await setCordon(client, node, true, io);
      const reply = validate(drainResultSchema, await client.request({ op: 'drain', node, ...(force ? { force: true } : {}) }));
      if (!reply.ok) throw new CliError(`the coordinator's reply to drain cannot be read: ${reply.problems.join('; ')}`);
      const { evicted, ignored } = reply.value;
      if (ignored.length > 0) io.err(`Warning: ignoring DaemonSet-managed Pods: ${ignored.map((name) => `default/${name}`).join(', ')}`);
      for (const name of evicted) io.out(`pod/${name} evicted`);
      io.out(`node/${node} drained`);
    });
  });
}
