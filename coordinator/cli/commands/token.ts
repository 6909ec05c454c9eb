import { tokenCreateResultSchema, tokenDeleteResultSchema, tokenListResultSchema, type Request } from '../../../protocol/requests.js';
import { validate } from '../../../protocol/validation.js';
import type { GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { withSession } from '../session.js';
import type { TokenCommand } from '../token-args.js';
import { tokenTable } from '../token-table.js';

/**
 * `baton token create|list|delete`, as kubeadm's `token` prints them: `create` prints the
 * join token alone on stdout (`TOKEN=$(baton token create)`), the only time its secret is
 * shown; `list` a table without secrets.
 */

type TokenRequestBody = Omit<Extract<Request, { op: 'token' }>, 'protocol' | 'id' | 'replyTo'>;

function body(command: TokenCommand): TokenRequestBody {
  switch (command.action) {
    case 'create':
      return {
        op: 'token',
        action: 'create',
        ...(command.ttlSeconds !== undefined ? { ttlSeconds: command.ttlSeconds } : {}),
        ...(command.description !== undefined ? { description: command.description } : {}),
      };
    case 'list':
      return { op: 'token', action: 'list' };
    case 'delete':
      return { op: 'token', action: 'delete', tokenId: command.id };
  }
}

export async function token(command: TokenCommand, globals: GlobalOptions, io: Io): Promise<number> {
  return withSession(globals, async (session) => {
    const client = new CoordinatorClient(session);
    await client.start();
    let result: unknown;
    try {
      result = await client.request(body(command));
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      for (const line of coordinatorErrorLines(error)) io.err(line);
      return 1;
    }
    const unreadable = (problems: string[]): CliError => new CliError(`the coordinator's reply to token ${command.action} cannot be read: ${problems.join('; ')}`);
    switch (command.action) {
      case 'create': {
        const made = validate(tokenCreateResultSchema, result);
        if (!made.ok) throw unreadable(made.problems);
        io.out(made.value.token);
        return 0;
      }
      case 'list': {
        const listed = validate(tokenListResultSchema, result);
        if (!listed.ok) throw unreadable(listed.problems);
        if (listed.value.tokens.length === 0) io.err('No join tokens. Create one with `baton token create`.');
        else io.out(tokenTable(listed.value.tokens));
        return 0;
      }
      case 'delete': {
        const deleted = validate(tokenDeleteResultSchema, result);
        if (!deleted.ok) throw unreadable(deleted.problems);
        io.out(`token "${deleted.value.id}" deleted`);
        return 0;
      }
    }
  });
}
