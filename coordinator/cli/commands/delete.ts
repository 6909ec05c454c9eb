import { deleteResultSchema } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { kindOf, notFoundMessage, quotedRef, type KindInfo } from '../kinds.js';
import { loadManifests, problemLines } from '../manifest-files.js';
import { withSession } from '../session.js';

type Target = { kind: KindInfo; name: string };

/**
 * `baton delete KIND NAME` and `baton delete -f FILE`: one delete request per object.
 * With -f every object is tried; the exit status is 1 if any of them failed.
 */
export async function deleteObjects(target: Target | { files: string[] }, globals: GlobalOptions, io: Io): Promise<number> {
  let targets: Target[];
  if ('files' in target) {
    const loaded = await loadManifests(target.files, () => io.readStdin());
    if (!loaded.ok) {
      for (const line of problemLines(loaded.problems, 'nothing was deleted')) io.err(line);
      return 1;
    }
    targets = loaded.objects.flatMap(({ kind, name }) => {
      const info = kindOf(kind);
      return info ? [{ kind: info, name }] : [];
    });
  } else {
    targets = [target];
  }

  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    let failed = 0;
    for (const { kind, name } of targets) {
      if (kind.kind === 'Node' || kind.kind === 'Event') throw new CliError(`${kind.list} cannot be deleted`);
      try {
        const result = validate(deleteResultSchema, await client.request({ op: 'delete', kind: kind.kind, name }));
        if (!result.ok) throw new CliError(`the coordinator's reply to delete cannot be read: ${result.problems.join('; ')}`);
        io.out(`${quotedRef(kind, name)} deleted`);
      } catch (error) {
        if (!(error instanceof CoordinatorError)) throw error;
        failed += 1;
        if (error.code === 'NotFound') io.err(`Error from coordinator: ${notFoundMessage(kind, name)}`);
        else for (const line of coordinatorErrorLines(error)) io.err(line);
      }
    }
    return failed > 0 ? 1 : 0;
  });
}
