import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startProcess, type Running } from '../support/processes.js';

/** The single binaries of `npm run build:binaries`, and how to run each on this x64 machine. */

export const binDir = join(repoRoot, 'dist', 'bin');
export const arches = ['x64', 'arm64', 'armv7l'] as const;
export type Arch = (typeof arches)[number];

/** qemu-user runs the ARM binaries here; `-L` points it at the cross runtime libraries. */
const emulators: Readonly<Record<Arch, readonly string[]>> = {
  x64: [],
  arm64: ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'],
  armv7l: ['qemu-arm-static', '-L', '/usr/arm-linux-gnueabihf'],
};

/** The path of a file in dist/bin; a missing one fails the test with what to do. */
export function binFile(name: string): string {
  const path = join(binDir, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build:binaries`);
  return path;
}

export const agentBinary = (arch: Arch): string => binFile(`baton-agent-linux-${arch}`);

/** The files dist/bin holds, but SHA256SUMS itself. */
export function binFiles(): string[] {
  binFile('SHA256SUMS');
  return readdirSync(binDir).filter((name) => !name.startsWith('.') && name !== 'SHA256SUMS' && name !== 'BUILDINFO.json').sort();
}

/** The command line that runs `binary` with `args`, natively or under qemu-user. */
export function commandFor(arch: Arch, binary: string, args: readonly string[]): [string, string[]] {
  const [program, ...rest] = [...emulators[arch], binary, ...args];
  if (program === undefined) throw new Error('empty command');
  return [program, rest];
}

/** Runs the agent binary of `arch` to its end. */
export async function runAgentBinary(
  arch: Arch,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [program, rest] = commandFor(arch, agentBinary(arch), args);
  const child = spawn(program, rest, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts the agent binary of `arch` as a node agent against `brokerUrl`. */
export function startAgentBinary(arch: Arch, brokerUrl: string, node: string, stateDir: string): Running {
  const [program, rest] = commandFor(arch, agentBinary(arch), ['--broker', brokerUrl, '--node', node, '--state-dir', stateDir]);
  return startProcess(program, rest);
}

/** PIDs of every process whose command line mentions `text` (the test's unique node name). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export const run = promisify(execFile);
