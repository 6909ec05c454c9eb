// What dist/bin holds: the binaries, their .xz, SHA256SUMS and BUILDINFO.json (the record
// of what each binary was made from, which also lets a rerun skip unchanged work).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { sha256File } from './runtimes.mjs';

/** The files SHA256SUMS covers: every program, architecture, raw and .xz. */
export const BINARY_FILE = /^baton(-agent|-coordinator)?-linux-(x64|arm64|armv7l)(\.xz)?$/;

/**
 * xz level, chosen by measurement (docs/binaries.md): -1 costs 40% of -3's time for an
 * xz 5% larger, and a cold build (every CI run) compresses every binary.
 */
export const XZ_LEVEL = 1;

/** Writes `text` to `path` through a temporary file and a rename. */
export async function writeAtomically(path, text) {
  await writeFile(`${path}.partial`, text);
  await rename(`${path}.partial`, path);
}

export async function readBuildInfo(dir) {
  try {
    return JSON.parse(await readFile(join(dir, 'BUILDINFO.json'), 'utf8'));
  } catch {
    return { files: {} };
  }
}

/** A file's identity for "unchanged since recorded": size and modification time. */
export async function fileStamp(path) {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

export const sameStamp = (a, b) => a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** Compresses `source` into `target` with xz on every core. */
export async function compressXz(source, target) {
  const out = createWriteStream(target);
  const xz = spawn('xz', ['-T0', `-${XZ_LEVEL}`, '-c', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  xz.stdout.pipe(out);
  const [code] = await Promise.all([
    new Promise((resolve, reject) => {
      xz.once('error', reject);
      xz.once('close', resolve);
    }),
    finished(out),
  ]);
  if (code !== 0) throw new Error(`xz ${source} exited with ${code}`);
}

/**
 * Writes SHA256SUMS (`sha256sum` format) for every binary file in `dir`, hashing only the
 * files whose size or time differ from what `known` (file name -> {size, mtimeMs, sha256})
 * recorded. Returns the sums by file name. SHA256SUMS is rewritten only when it changes.
 */
export async function writeSums(dir, known) {
  const names = (await readdir(dir)).filter((name) => BINARY_FILE.test(name)).sort();
  const sums = {};
  for (const name of names) {
    const stamp = await fileStamp(join(dir, name));
    const record = known[name];
    sums[name] = { ...stamp, sha256: sameStamp(stamp, record) && record.sha256 ? record.sha256 : await sha256File(join(dir, name)) };
  }
  const text = names.map((name) => `${sums[name].sha256}  ${name}\n`).join('');
  const previous = await readFile(join(dir, 'SHA256SUMS'), 'utf8').catch(() => undefined);
  if (previous !== text) await writeAtomically(join(dir, 'SHA256SUMS'), text);
  return sums;
}
