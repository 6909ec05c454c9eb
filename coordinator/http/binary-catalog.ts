import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBinarySums, type BinarySums } from './binary-sums.js';

/**
 * The agent binaries a coordinator can hand out: the files its binaries directory's
 * SHA256SUMS names. SHA256SUMS is read again whenever it changes (its size, mtime or inode),
 * so a rebuild or a copy of new binaries is served without a restart.
 */

export type CatalogView =
  | { kind: 'ready'; sums: Buffer; parsed: BinarySums }
  | { kind: 'missing'; why: string };

export const SUMS_FILE = 'SHA256SUMS';

export class BinaryCatalog {
  private cached: { key: string; view: CatalogView } | undefined;

  constructor(readonly dir: string) {}

  /** What the directory holds now. Never throws: a missing or unreadable SHA256SUMS is `missing`, with why. */
  async view(): Promise<CatalogView> {
    const path = join(this.dir, SUMS_FILE);
    let key: string;
    try {
      const info = await stat(path);
      key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      this.cached = undefined;
      return { kind: 'missing', why: this.describe(error) };
    }
    if (this.cached?.key === key) return this.cached.view;
    let view: CatalogView;
    try {
      const sums = await readFile(path);
      view = { kind: 'ready', sums, parsed: parseBinarySums(sums.toString('utf8')) };
    } catch (error) {
      view = { kind: 'missing', why: this.describe(error) };
    }
    this.cached = { key, view };
    return view;
  }

  /** The path of a file SHA256SUMS names; undefined for any other name. */
  pathOf(view: CatalogView, name: string): string | undefined {
    return view.kind === 'ready' && view.parsed.entries.has(name) ? join(this.dir, name) : undefined;
  }

  private describe(error: unknown): string {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? `no agent binaries in ${this.dir}` : `cannot read ${join(this.dir, SUMS_FILE)}: ${(error as Error).message}`;
    return `${what}: run npm run build:binaries, or copy the binaries and their ${SUMS_FILE} there`;
  }
}
