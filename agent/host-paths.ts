import { mkdir, open, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { HostPathType } from '../protocol/manifest.js';

/**
 * The node's side of hostPath volumes, as kubelet does it: the volume's `type` is checked
 * (or the path created, for the *OrCreate types) before the container is created, and
 * what the path turns out to be decides how it is given to the container (a device node
 * is mapped as a device, anything else bound).
 */

/** What a path on the node is; symbolic links are followed. */
export type HostPathKind = 'directory' | 'file' | 'socket' | 'charDevice' | 'blockDevice' | 'other' | 'missing';

/** A hostPath that does not match its type or could not be created; the pod cannot start until the node is fixed. */
export class HostPathError extends Error {
  override name = 'HostPathError';
  constructor(readonly path: string, readonly type: HostPathType, message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

/** The kind each checked type requires, with kubelet's words for it. */
const REQUIRED: Readonly<Record<Exclude<HostPathType, ''>, { kind: HostPathKind; description: string }>> = {
  DirectoryOrCreate: { kind: 'directory', description: 'directory' },
  Directory: { kind: 'directory', description: 'directory' },
  FileOrCreate: { kind: 'file', description: 'file' },
  File: { kind: 'file', description: 'file' },
  Socket: { kind: 'socket', description: 'socket file' },
  CharDevice: { kind: 'charDevice', description: 'character device' },
  BlockDevice: { kind: 'blockDevice', description: 'block device' },
};

/**
 * Checks `path` against `type` and returns what it is. `''` checks nothing (an absent
 * path is `missing`); DirectoryOrCreate makes the directory (and its parents, mode 0755)
 * if nothing is there; FileOrCreate makes an empty file (mode 0644) but not its parent
 * directory. Idempotent. Throws HostPathError.
 */
export async function prepareHostPath(path: string, type: HostPathType): Promise<HostPathKind> {
  if (!isAbsolute(path)) throw new HostPathError(path, type, `hostPath ${path} must be an absolute path`);
  let kind = await kindOf(path, type);
  if (kind === 'missing' && type === 'DirectoryOrCreate') {
    await create(path, type, () => mkdir(path, { recursive: true, mode: 0o755 }));
    kind = await kindOf(path, type);
  }
  if (kind === 'missing' && type === 'FileOrCreate') {
    await create(path, type, async () => (await open(path, 'wx', 0o644)).close());
    kind = await kindOf(path, type);
  }
  if (type === '') return kind;
  const required = REQUIRED[type];
  if (kind === 'missing') throw new HostPathError(path, type, `hostPath ${path} doesn't exist`);
  if (kind !== required.kind) throw new HostPathError(path, type, `hostPath type check failed: ${path} is not a ${required.description}`);
  return kind;
}

async function kindOf(path: string, type: HostPathType): Promise<HostPathKind> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) return 'directory';
    if (s.isFile()) return 'file';
    if (s.isSocket()) return 'socket';
    if (s.isCharacterDevice()) return 'charDevice';
    if (s.isBlockDevice()) return 'blockDevice';
    return 'other';
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw new HostPathError(path, type, `hostPath ${path} cannot be examined: ${code ?? String(error)}`, { cause: error });
  }
}

async function create(path: string, type: HostPathType, make: () => Promise<unknown>): Promise<void> {
  try {
    await make();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return; // made meanwhile: the type check that follows judges it
    const hint = type === 'FileOrCreate' && code === 'ENOENT' ? ' (FileOrCreate does not create its parent directory)' : '';
    throw new HostPathError(path, type, `hostPath ${path} could not be created: ${code ?? String(error)}${hint}`, { cause: error });
  }
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
