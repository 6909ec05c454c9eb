import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** What a test compares across runs: every entry under a folder with its identity and times. */
export interface Entry {
  readonly kind: 'file' | 'dir' | 'link' | 'other';
  readonly mode: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly size: number;
  readonly target?: string;
}

/** Every entry under `dir` (lstat, links not followed), keyed by its path relative to `dir`. */
export async function snapshotTree(dir: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const walk = async (path: string): Promise<void> => {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const stat = await lstat(full);
      const kind = stat.isSymbolicLink() ? 'link' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
      entries.set(relative(dir, full), {
        kind,
        mode: stat.mode & 0o7777,
        ino: stat.ino,
        mtimeMs: stat.mtimeMs,
        size: stat.size,
        ...(kind === 'link' ? { target: await readlink(full) } : {}),
      });
      if (kind === 'dir') await walk(full);
    }
  };
  await walk(dir);
  return entries;
}

/** The paths of everything under `dir` that is not a folder: "installed nothing" is []. */
export async function filesUnder(dir: string): Promise<string[]> {
  return [...(await snapshotTree(dir))].filter(([, e]) => e.kind !== 'dir').map(([path]) => path);
}
