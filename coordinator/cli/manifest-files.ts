import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { MAX_MANIFEST_BYTES, ManifestError, parseManifestObjects } from '../../protocol/parse-manifests.js';
import { CliError } from './errors.js';

/**
 * Reads the manifests named by `-f` (files, directories, `-` for stdin) and validates
 * them all with the protocol's parser before anything is sent: a bad file is reported
 * whole and nothing in any file is applied.
 */

export const STDIN_SOURCE = '<stdin>';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadedObject {
  source: string;
  kind: string;
  name: string;
  /** The object as written, sent on to the coordinator (which validates it again). */
  object: unknown;
}

export type Loaded = { ok: true; objects: LoadedObject[] } | { ok: false; problems: string[] };

interface SourceText {
  source: string;
  text: string;
}

function describeReadError(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new CliError(`cannot read ${path}: ${why}`, { cause: error });
}

async function readSource(path: string, readStdin: () => Promise<string>): Promise<SourceText[]> {
  if (path === '-') return [{ source: STDIN_SOURCE, text: await readStdin() }];
  try {
    const info = await stat(path);
    // Refused before reading: a file of gigabytes is never loaded to be measured.
    if (info.isFile() && info.size > MAX_MANIFEST_BYTES) throw new CliError(`${path}: manifest of ${info.size} bytes exceeds ${MAX_MANIFEST_BYTES}; nothing was applied`);
    if (!info.isDirectory()) return [{ source: path, text: await readFile(path, 'utf8') }];
    const names = (await readdir(path)).filter((name) => MANIFEST_EXTENSIONS.has(extname(name).toLowerCase())).sort();
    if (names.length === 0) throw new CliError(`${path}: the directory has no *.yaml, *.yml or *.json files`);
    return await Promise.all(names.map(async (name) => ({ source: join(path, name), text: await readFile(join(path, name), 'utf8') })));
  } catch (error) {
    throw error instanceof CliError ? error : describeReadError(path, error);
  }
}

/** Throws CliError when a file cannot be read; returns every validation problem otherwise. */
export async function loadManifests(paths: readonly string[], readStdin: () => Promise<string>): Promise<Loaded> {
  if (paths.filter((p) => p === '-').length > 1) throw new CliError('-f - (stdin) can be given only once');
  const texts: SourceText[] = [];
  for (const path of paths) texts.push(...(await readSource(path, readStdin)));

  const problems: string[] = [];
  const objects: LoadedObject[] = [];
  const firstSeen = new Map<string, string>();
  for (const { source, text } of texts) {
    try {
      for (const { object, manifest } of parseManifestObjects(text, source)) {
        const key = `${manifest.kind}/${manifest.metadata.name}`;
        const earlier = firstSeen.get(key);
        if (earlier !== undefined) problems.push(`${source}: ${key} also appears in ${earlier}`);
        else firstSeen.set(key, source);
        objects.push({ source, kind: manifest.kind, name: manifest.metadata.name, object });
      }
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      problems.push(...error.problems.map((problem) => `${source}: ${problem}`));
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, objects };
}

/** The lines printed for a manifest that failed validation; the caller exits 1. */
export function problemLines(problems: readonly string[], whatNotDone: string): string[] {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [...problems, `error: ${count} found; ${whatNotDone}`];
}
