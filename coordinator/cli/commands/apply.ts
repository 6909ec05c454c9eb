import { applyResultSchema } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { kindOf, objectRef } from '../kinds.js';
import { loadManifests, problemLines } from '../manifest-files.js';
import { withSession } from '../session.js';

/**
 * `baton apply -f ...`: validate every object locally, then send them all in one
 * request; the coordinator validates again and stores them together.
 */
export async function apply(files: readonly string[], globals: GlobalOptions, io: Io): Promise<number> {
  const loaded = await loadManifests(files, () => io.readStdin());
  if (!loaded.ok) {
    for (const line of problemLines(loaded.problems, 'nothing was applied')) io.err(line);
    return 1;
  }
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    let result: unknown;
    try {
      result = await client.request({ op: 'apply', objects: loaded.objects.map((o) => o.object) });
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      for (const line of coordinatorErrorLines(error)) io.err(line);
      return 1;
    }
    const applied = validate(applyResultSchema, result);
    if (!applied.ok) throw new CliError(`the coordinator's reply to apply cannot be read: ${applied.problems.join('; ')}`);
    for (const { kind, name, action } of applied.value.results) {
      const info = kindOf(kind);
      io.out(`${info ? objectRef(info, name) : `${kind.toLowerCase()}/${name}`} ${action}`);
    }
    return 0;
  });
}
