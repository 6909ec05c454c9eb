import { readRetained as readRetainedIn } from '../../coordinator/cli/retained.js';
import { withSession } from '../../coordinator/cli/session.js';

/**
 * The retained messages under `filter`, as a maker's client would see them right now:
 * the CLI's own complete read (see coordinator/cli/retained.ts), topic -> payload text.
 */
export async function readRetained(url: string, filter: string): Promise<Map<string, string>> {
  const messages = await withSession({ broker: url, prefix: 'baton', timeoutMs: 10_000 }, (session) => readRetainedIn(session, [filter]));
  return new Map([...messages].map(([topic, payload]) => [topic, payload.toString()]));
}
