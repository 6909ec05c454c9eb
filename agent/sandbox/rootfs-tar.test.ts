import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { rootfsTar } from './rootfs-tar.js';

const run = promisify(execFile);

describe('rootfsTar', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function written(tar: Buffer): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'baton-tar-'));
    dirs.push(dir);
    await writeFile(join(dir, 'rootfs.tar'), tar);
    return dir;
  }

  it('writes an archive the system tar lists with names, modes, owners and sizes', async () => {
    const tar = rootfsTar([
      { name: 'pause', mode: 0o755, content: Buffer.from('x'.repeat(700)) },
      { name: 'etc/motd', mode: 0o644, content: Buffer.from('hello\n') },
    ]);
    expect(tar.length % 512).toBe(0);
    const dir = await written(tar);
    const { stdout } = await run('tar', ['-tvf', join(dir, 'rootfs.tar')]);
    const lines = stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(lines.map((l) => [l[0], l[1], l[2], l.at(-1)])).toEqual([
      ['-rwxr-xr-x', 'root/root', '700', 'pause'],
      ['-rw-r--r--', 'root/root', '6', 'etc/motd'],
    ]);
  });

  it('extracts to the same bytes and an executable mode', async () => {
    const content = Buffer.from([0, 1, 2, 255, 10, 13]);
    const dir = await written(rootfsTar([{ name: 'pause', mode: 0o755, content }]));
    await run('tar', ['-xf', join(dir, 'rootfs.tar'), '-C', dir]);
    expect(await readFile(join(dir, 'pause'))).toEqual(content);
    expect((await stat(join(dir, 'pause'))).mode & 0o777).toBe(0o755);
  });

  it('refuses absolute or overlong names', () => {
    expect(() => rootfsTar([{ name: '/pause', mode: 0o755, content: Buffer.alloc(0) }])).toThrow(/must be relative/);
    expect(() => rootfsTar([{ name: 'x'.repeat(101), mode: 0o644, content: Buffer.alloc(0) }])).toThrow(/1 to 100 bytes/);
  });
});
