import { removeNodeResultSchema } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { kinds, notFoundMessage } from '../kinds.js';
import { withSession } from '../session.js';

/**
 * `baton delete node NAME`: the node's credential is revoked and the node leaves the
 * fleet; its pods are deleted (their Deployments recreate them elsewhere). Printed as
 * kubectl prints a deletion.
 */
export async function deleteNode(node: string, globals: GlobalOptions, io: Io): Promise<number> {
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    let result: unknown;
    try {
      result = await client.request({ op: 'removeNode', node });
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      if (error.code === 'NotFound') io.err(`Error from coordinator: ${notFoundMessage(kinds.nodes, node)}`);
      else for (const line of coordinatorErrorLines(error)) io.err(line);
      return 1;
    }
    const removed = validate(removeNodeResultSchema, result);
    if (!removed.ok) throw new CliError(`the coordinator's reply to delete node cannot be read: ${removed.problems.join('; ')}`);
    for (const pod of removed.value.deletedPods) io.out(`pod "${pod}" deleted`);
    io.out(`node "${node}" deleted`);
    return 0;
  });
}
