import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { validate } from '../protocol/validation.js';
import { repoRoot } from '../test/support/processes.js';

/**
 * The single binaries in dist/bin and their sizes. The list of files is SHA256SUMS's
 * (one `<hex>  <name>` line per file, raw and .xz), so the table shows exactly what the
 * coordinator serves and the installer downloads.
 */

export const binDir = join(repoRoot, 'dist', 'bin');
const sumsFile = join(binDir, 'SHA256SUMS');

export interface BinarySize {
  /** The raw file's name (`baton-agent-linux-x64`). */
  readonly name: string;
  readonly rawBytes?: number;
  readonly xzBytes?: number;
}

/** The file names listed in a `sha256sum`-format text (`<hex>  <name>` or `<hex> *<name>`). */
export function parseSha256Sums(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^[0-9a-f]{64} [ *](.+)$/.exec(line);
    if (match?.[1] === undefined) throw new Error(`SHA256SUMS: not a checksum line: ${JSON.stringify(line)}`);
    names.push(match[1]);
  }
  return names;
}

/** Pairs each raw file with its `.xz`, in the order the raw files are listed. */
export function pairSizes(sizes: ReadonlyMap<string, number>): BinarySize[] {
  const rows = new Map<string, { rawBytes?: number; xzBytes?: number }>();
  for (const [file, bytes] of sizes) {
    const isXz = file.endsWith('.xz');
    const name = isXz ? file.slice(0, -3) : file;
    const row = rows.get(name) ?? {};
    rows.set(name, isXz ? { ...row, xzBytes: bytes } : { ...row, rawBytes: bytes });
  }
  return [...rows].map(([name, row]) => ({ name, ...row }));
}

/**
 * Brings dist/bin up to date with the source before anything is measured: the agent
 * binaries (`npm run build:binaries`), and every program's binary for this machine (the
 * CLI's is what pod start applies with). The build is incremental, so with nothing
 * changed this only checks; a binary left from older source is rebuilt rather than
 * measured, which would credit or blame Baton for code it no longer has.
 */
export async function ensureBinaries(say: (line: string) => void): Promise<void> {
  say('dist/bin: building whatever binary is missing or older than the source (npm run build:binaries)');
  await runToStderr('npm', ['run', 'build:binaries']);
  if (!existsSync(sumsFile)) throw new Error('npm run build:binaries made no dist/bin/SHA256SUMS');
  if (process.platform === 'linux') await runToStderr('node', ['scripts/build-binaries.mjs', '--program', 'all', '--arch', hostArch()]);
}

/** Runs a build step from the repository root; its output goes to stderr, as stdout carries only the bench's tables. */
async function runToStderr(command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', process.stderr, process.stderr] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${String(code)})`);
}

function hostArch(): string {
  return process.arch === 'arm' ? 'armv7l' : process.arch;
}

export async function readBinarySizes(): Promise<BinarySize[]> {
  const sizes = new Map<string, number>();
  for (const name of parseSha256Sums(await readFile(sumsFile, 'utf8'))) {
    if (name.includes('/')) throw new Error(`SHA256SUMS names a path, not a file of dist/bin: ${name}`);
    sizes.set(name, (await stat(join(binDir, name))).size);
  }
  return pairSizes(sizes);
}

/** The agent binary for the machine the bench runs on, named as in dist/bin. */
export function hostAgentBinary(): string {
  const arch = hostArch();
  const path = join(binDir, `baton-agent-linux-${arch}`);
  if (process.platform !== 'linux' || !existsSync(path)) throw new Error(`no agent binary for this machine (${process.platform}/${process.arch}) in dist/bin`);
  return path;
}

const buildInfoSchema = z.object({
  files: z.record(z.string(), z.object({ node: z.object({ version: z.string() }).optional(), seaConfig: z.object({ execArgv: z.array(z.string()).optional() }).optional() })),
});

/** What dist/bin/BUILDINFO.json says `file` was made from: its Node version and baked-in flags, when it says. */
export async function readBuildInfo(file: string): Promise<{ nodeVersion?: string; execArgv?: readonly string[] }> {
  const text = await readFile(join(binDir, 'BUILDINFO.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const info = validate(buildInfoSchema, json);
  const entry = info.ok ? info.value.files[basename(file)] : undefined;
  return { ...(entry?.node ? { nodeVersion: entry.node.version } : {}), ...(entry?.seaConfig?.execArgv ? { execArgv: entry.seaConfig.execArgv } : {}) };
}
