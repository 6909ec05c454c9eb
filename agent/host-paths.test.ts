import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostPathType } from '../protocol/manifest.js';
import { HostPathError, prepareHostPath } from './host-paths.js';

let dir: string;
let socketPath: string;
let server: Server;
let blockDevice: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-hostpath-'));
  await mkdir(join(dir, 'a-dir'));
  await writeFile(join(dir, 'a-file'), 'content');
  socketPath = join(dir, 'a.sock');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  for (const name of await readdir('/dev')) {
    if ((await stat(join('/dev', name)).catch(() => undefined))?.isBlockDevice()) {
      blockDevice = join('/dev', name);
      break;
    }
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string, type: HostPathType): Promise<HostPathError> {
  const error: unknown = await prepareHostPath(path, type).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof HostPathError)) throw new Error(`expected a HostPathError for ${type} ${path}, got ${String(error)}`);
  return error;
}

describe('prepareHostPath', () => {
  it('with no type, says what is there and checks nothing', async () => {
    expect(await prepareHostPath(join(dir, 'a-dir'), '')).toBe('directory');
    expect(await prepareHostPath(join(dir, 'a-file'), '')).toBe('file');
    expect(await prepareHostPath(socketPath, '')).toBe('socket');
    expect(await prepareHostPath('/dev/null', '')).toBe('charDevice');
    expect(await prepareHostPath(join(dir, 'absent'), '')).toBe('missing');
    expect(await prepareHostPath(join(dir, 'a-file', 'below-a-file'), '')).toBe('missing');
  });

  it('accepts each existing kind for its type', async () => {
    expect(await prepareHostPath(join(dir, 'a-dir'), 'Directory')).toBe('directory');
    expect(await prepareHostPath(join(dir, 'a-file'), 'File')).toBe('file');
    expect(await prepareHostPath(socketPath, 'Socket')).toBe('socket');
    expect(await prepareHostPath('/dev/null', 'CharDevice')).toBe('charDevice');
    expect(blockDevice, 'a block device under /dev').toBeDefined();
    expect(await prepareHostPath(blockDevice ?? '', 'BlockDevice')).toBe('blockDevice');
  });

  it.each([
    ['a-file', 'Directory', 'directory'],
    ['a-dir', 'File', 'file'],
    ['a-file', 'Socket', 'socket file'],
    ['a-dir', 'CharDevice', 'character device'],
  ] as const)('refuses %s as %s, in kubelet\'s words', async (name, type, description) => {
    const path = join(dir, name);
    const error = await failure(path, type);
    expect(error.message).toBe(`hostPath type check failed: ${path} is not a ${description}`);
    expect(error).toMatchObject({ path, type });
  });

  it('refuses a character device as a block device', async () => {
    expect((await failure('/dev/null', 'BlockDevice')).message).toBe('hostPath type check failed: /dev/null is not a block device');
  });

  it('refuses a missing path for a type that must exist', async () => {
    const path = join(dir, 'absent');
    for (const type of ['Directory', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const) {
      expect((await failure(path, type)).message).toBe(`hostPath ${path} doesn't exist`);
    }
    expect(await prepareHostPath(path, '')).toBe('missing');
  });

  it('DirectoryOrCreate makes the directory with its parents, mode 0755; again is success', async () => {
    const path = join(dir, 'made', 'deep', 'dir');
    expect(await prepareHostPath(path, 'DirectoryOrCreate')).toBe('directory');
    expect((await stat(path)).mode & 0o777).toBe(0o755);
    expect(await prepareHostPath(path, 'DirectoryOrCreate')).toBe('directory');
    expect((await failure(join(dir, 'a-file'), 'DirectoryOrCreate')).message).toMatch(/is not a directory$/);
  });

  it('FileOrCreate makes an empty file, but not its directory; an existing file is kept', async () => {
    const path = join(dir, 'made-file');
    expect(await prepareHostPath(path, 'FileOrCreate')).toBe('file');
    const made = await stat(path);
    expect({ size: made.size, mode: made.mode & 0o777 }).toEqual({ size: 0, mode: 0o644 });
    expect(await prepareHostPath(join(dir, 'a-file'), 'FileOrCreate')).toBe('file');
    expect((await stat(join(dir, 'a-file'))).size).toBe('content'.length);
    const orphan = join(dir, 'no-such-dir', 'file');
    expect((await failure(orphan, 'FileOrCreate')).message).toMatch(/could not be created: ENOENT \(FileOrCreate does not create its parent directory\)/);
    expect(await prepareHostPath(join(dir, 'no-such-dir'), '')).toBe('missing');
    expect((await failure(join(dir, 'a-dir'), 'FileOrCreate')).message).toMatch(/is not a file$/);
  });

  it('refuses a relative path', async () => {
    expect((await failure('relative/path', 'Directory')).message).toMatch(/must be an absolute path/);
  });
});
