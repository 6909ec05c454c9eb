import { startupSnapshot } from 'node:v8';
import { versionLine } from '../../protocol/version.js';
import { UsageError } from '../../protocol/options.js';
import { BrokerUnreachableError } from '../../protocol/broker-errors.js';
import { parseCommandLine, type Invocation } from './args.js';
import { apply } from './commands/apply.js';
import { cordon, drain } from './commands/cordon.js';
import { deleteObjects } from './commands/delete.js';
import { deleteNode } from './commands/delete-node.js';
import { describe } from './commands/describe.js';
import { get } from './commands/get.js';
import { rollout } from './commands/rollout.js';
import { scale } from './commands/scale.js';
import { token } from './commands/token.js';
import { CliError, type Io } from './errors.js';
import { helpText } from './help.js';

/**
 * The `baton` CLI's composition root. Every failure ends as one line on stderr and an
 * exit status (0 done, 1 error, 2 usage); no stack traces. The process exits on its
 * own once the MQTT connection is closed.
 */

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.once('error', reject);
  });
}

const io: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  readStdin,
  now: () => Date.now(),
};

async function run(invocation: Invocation): Promise<number> {
  switch (invocation.verb) {
    case 'version':
      io.out(versionLine('baton'));
      return 0;
    case 'help':
      io.out(helpText(invocation.topic).trimEnd());
      return 0;
    case 'apply':
      return apply(invocation.files, invocation.globals, io);
    case 'get':
      return get(invocation.kind, invocation.name, invocation.output, invocation.globals, io);
    case 'describe':
      return describe(invocation.kind, invocation.name, invocation.globals, io);
    case 'delete':
      return deleteObjects(invocation.target, invocation.globals, io);
    case 'cordon':
    case 'uncordon':
      return cordon(invocation.node, invocation.verb === 'cordon', invocation.globals, io);
    case 'drain':
      return drain(invocation.node, invocation.force, invocation.globals, io);
    case 'scale':
      return scale(invocation.target, invocation.replicas, invocation.globals, io);
    case 'rollout':
      return rollout(invocation.command, invocation.globals, io);
    case 'token':
      return token(invocation.command, invocation.globals, io);
    case 'delete-node':
      return deleteNode(invocation.node, invocation.globals, io);
    default: {
      const never: never = invocation;
      throw new Error(`unhandled command ${JSON.stringify(never)}`);
    }
  }
}

function fail(error: unknown): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message} (see 'baton --help')`);
    return 2;
  }
  const known = error instanceof CliError || error instanceof BrokerUnreachableError;
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${known ? message : message.split('\n')[0]}`);
  return 1;
}

function exitSoon(code: number): void {
  process.exitCode = code;
  // Normally nothing is left running; if a library still holds a handle, do not hang.
  setTimeout(() => process.exit(code), 2000).unref();
}

function start(): void {
  process.on('uncaughtException', (error) => exitSoon(fail(error)));
  process.on('unhandledRejection', (error) => exitSoon(fail(error)));
  // No top-level await: the single binary's bundle is CommonJS.
  Promise.resolve()
    .then(() => run(parseCommandLine(process.argv.slice(2), process.env)))
    .then(exitSoon, (error: unknown) => exitSoon(fail(error)));
}

// The CLI's single binary is a V8 startup snapshot (docs/binaries.md): the build runs this
// module's top level, with every import evaluated, and saves the heap; each run of the
// binary begins at start(), with its own argv and environment.
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.setDeserializeMainFunction(start);
else start();
