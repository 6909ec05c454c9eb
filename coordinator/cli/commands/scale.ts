import { scaleResultSchema } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { notFoundMessage, objectRef } from '../kinds.js';
import type { WorkloadRef } from '../rollout-args.js';
import { withSession } from '../session.js';

/** `baton scale deployment/NAME --replicas N`, printed as kubectl prints it. */
export async function scale(target: WorkloadRef, replicas: number, globals: GlobalOptions, io: Io): Promise<number> {
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    let result: unknown;
    try {
      result = await client.request({ op: 'scale', kind: 'Deployment', name: target.name, replicas });
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      if (error.code === 'NotFound') io.err(`Error from coordinator: ${notFoundMessage(target.kind, target.name)}`);
      else for (const line of coordinatorErrorLines(error)) io.err(line);
      return 1;
    }
    const scaled = validate(scaleResultSchema, result);
    if (!scaled.ok) throw new CliError(`the coordinator's reply to scale cannot be read: ${scaled.problems.join('; ')}`);
    io.out(`${objectRef(target.kind, target.name)} scaled`);
    return 0;
  });
}
