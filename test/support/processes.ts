import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A program of ours or a real daemon started by a test, with its output kept for diagnosis. */
export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Sends `signal` and waits for the process to exit. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  const keep = (data: Buffer): void => {
    chunks.push(data.toString());
    if (chunks.length > 2000) chunks.splice(0, 1000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const exited = once(child, 'exit');
  return {
    child,
    pid: child.pid,
    output: () => chunks.join(''),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Starts one of Baton's built programs (`npm run build` first): `baton-agent`, `baton-coordinator`. */
export function startProgram(name: 'baton-agent' | 'baton-coordinator', args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  return startProcess(process.execPath, [`${repoRoot}dist/${name}.js`, ...args], env);
}

/** Runs the `baton` CLI to completion: `node dist/baton.js`, or the single binary at `options.binary`. */
export async function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; binary?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, commandArgs] = options.binary === undefined ? [process.execPath, [`${repoRoot}dist/baton.js`, ...args]] : [options.binary, args];
  const child = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}
