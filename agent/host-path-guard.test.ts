import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePolicy } from './admission.js';
import { guardHostPaths, resolveExisting } from './host-path-guard.js';
import { HostPathError, prepareHostPath } from './host-paths.js';

/** On the real filesystem: a temporary tree with links planted in an allowed directory. */
let base: string;
let allowed: string;
let policy: NodePolicy;

beforeAll(async () => {
  // realpath: the temporary directory itself may lie behind a link.
  base = await realpath(await mkdtemp(join(tmpdir(), 'baton-guard-')));
  allowed = join(base, 'data');
  await mkdir(join(allowed, 'inside'), { recursive: true });
  await mkdir(join(base, 'secret'));
  await mkdir(join(base, 'database'));
  await symlink(join(base, 'secret'), join(allowed, 'to-secret'));
  await symlink(join(allowed, 'inside'), join(allowed, 'to-inside'));
  await symlink('../database', join(allowed, 'to-sibling'));
  await symlink('/dev/null', join(allowed, 'to-null'));
  await symlink('/run', join(allowed, 'to-run'));
  policy = { allowPrivileged: false, allowedHostPaths: [allowed, '/'] };
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('guardHostPaths', () => {
  const guard = () => guardHostPaths({ allowPrivileged: false, allowedHostPaths: [allowed] }, 'pi-1', prepareHostPath);

  it('passes a path without links, and a link that stays inside the allowed directory', async () => {
    await expect(guard()(join(allowed, 'inside'), 'Directory')).resolves.toBe('directory');
    await expect(guard()(join(allowed, 'to-inside'), 'Directory')).resolves.toBe('directory');
  });

  it.each([
    ['to-secret', 'secret'],
    ['to-sibling', 'database'],
  ])('refuses %s, a link out of the allowed directory, naming where it leads', async (link, target) => {
    const attempt = guard()(join(allowed, link), '');
    await expect(attempt).rejects.toBeInstanceOf(HostPathError);
    await expect(guard()(join(allowed, link), '')).rejects.toThrow(`hostPath ${join(allowed, link)} leads to ${join(base, target)} through a symbolic link, and ${join(base, target)} is not allowed by --allow-host-path on node pi-1`);
  });

  it('creates nothing through a link that leads out (DirectoryOrCreate)', async () => {
    await expect(guard()(join(allowed, 'to-secret', 'made'), 'DirectoryOrCreate')).rejects.toThrow(/leads to .*secret\/made/);
    expect(existsSync(join(base, 'secret', 'made'))).toBe(false);
  });

  it('refuses a link to a device unless the device is allowed', async () => {
    await expect(guard()(join(allowed, 'to-null'), '')).rejects.toThrow('leads to /dev/null through a symbolic link, and /dev/null is a device, not allowed without --allow-device /dev/null');
    const withDevice = guardHostPaths({ allowPrivileged: false, allowedHostPaths: [allowed], allowedDevices: ['/dev/null'] }, 'pi-1', prepareHostPath);
    await expect(withDevice(join(allowed, 'to-null'), '')).resolves.toBe('charDevice');
  });

  it('refuses a link to /run, which holds the Docker socket, even under --allow-host-path /', async () => {
    await expect(guardHostPaths(policy, 'pi-1', prepareHostPath)(join(allowed, 'to-run'), '')).rejects.toThrow(/leads to \/run .* holds \/run\/docker\.sock, the Docker socket/);
  });

  it('matches an allowance that is itself behind a link', async () => {
    const viaLink = guardHostPaths({ allowPrivileged: false, allowedHostPaths: [join(allowed, 'to-secret')] }, 'pi-1', prepareHostPath);
    await expect(viaLink(join(allowed, 'to-secret'), 'Directory')).resolves.toBe('directory');
  });

  it('refuses a path that turns out to be a device node outside /dev, unless allowed as a device', async () => {
    // A device node made in a data directory (mknod): prepare reports what it finds.
    const node = join(allowed, 'inside');
    const asDevice = async () => 'blockDevice' as const;
    await expect(guardHostPaths({ allowPrivileged: false, allowedHostPaths: [allowed] }, 'pi-1', asDevice)(node, '')).rejects.toThrow(
      `hostPath ${node} is a device on node pi-1, and devices are allowed only by --allow-device; start its baton-agent with --allow-device ${node} to allow it`,
    );
    await expect(guardHostPaths({ allowPrivileged: false, allowedHostPaths: [allowed], allowedDevices: [node] }, 'pi-1', asDevice)(node, '')).resolves.toBe('blockDevice');
  });

  it('leaves paths under /dev to admission, which judged them as written', async () => {
    await expect(guard()('/dev/null', 'CharDevice')).resolves.toBe('charDevice');
  });
});

describe('resolveExisting', () => {
  it('follows links in the part that exists and appends the rest', async () => {
    expect(await resolveExisting(join(allowed, 'to-secret', 'not', 'yet'))).toBe(join(base, 'secret', 'not', 'yet'));
    expect(await resolveExisting(join(allowed, 'inside'))).toBe(join(allowed, 'inside'));
  });
});
