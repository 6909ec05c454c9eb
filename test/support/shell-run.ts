import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { repoRoot } from './processes.js';

export interface ShellResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion with its output kept, e.g. a shell script of ours under
 * `dash` or `busybox sh`. `input` is written to its stdin (as `curl ... | sh -s --`).
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {},
): Promise<ShellResult> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // a script may exit before reading all of it
  child.stdin.end(options.input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/** Runs `command`, throwing with its output when it fails: for set-up steps. */
export async function mustRun(command: string, args: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}
