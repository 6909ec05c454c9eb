import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/processes.js';
import { mustRun, runCommand, type ShellResult } from '../support/shell-run.js';
import { detachAll, discardImage, loopsOf, makePiImage, withPartitionMounted } from '../support/disk-image.js';
import { snapshotTree } from '../support/file-tree.js';

// scripts/prepare-sd-card.sh on a synthetic Raspberry Pi OS image (dos label, FAT32 boot,
// ext4 root with an arm64 /bin/sh), on the same image as a block device, and on a root
// folder. Every check reads the image back through a fresh loop mount.

const script = join(repoRoot, 'scripts/prepare-sd-card.sh');
const arm64Elf = '/usr/aarch64-linux-gnu/lib/libc.so.6';
const armhfElf = '/usr/arm-linux-gnueabihf/lib/libc.so.6';
const x64Elf = '/usr/bin/dash';

let base: string;
let image: string;

/** A root laid out as Raspberry Pi OS's: /bin -> usr/bin, /usr/bin/sh -> dash, no Docker. */
async function populateRoot(root: string, shell: string): Promise<void> {
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  await copyFile(shell, join(root, 'usr/bin/dash'));
  await symlink('dash', join(root, 'usr/bin/sh'));
  await symlink('usr/bin', join(root, 'bin'));
  await writeFile(join(root, 'etc/hostname'), 'raspberrypi\n');
}

function prepare(args: readonly string[]): Promise<ShellResult> {
  return runCommand('dash', [script, ...args]);
}

async function expectNothingLeftAttached(): Promise<void> {
  expect(await loopsOf(image)).toEqual([]);
  expect(await readFile('/proc/mounts', 'utf8')).not.toMatch(/baton-root\./);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'baton-sd-test-'));
  image = join(base, 'raspios.img');
  await makePiImage(image, { totalMiB: 72, bootMiB: 16, populateRoot: (root) => populateRoot(root, arm64Elf) });
});

afterAll(async () => {
  await discardImage(image); // detaches whatever a failed test left attached
  await rm(base, { recursive: true, force: true });
});

describe('prepare-sd-card.sh on an image file', () => {
  const args = ['--binary', arm64Elf, '--broker', 'mqtt://coordinator.local:1883', '--node', 'pi-attic', '--token', 't0ken', '--label', 'zone=attic'];

  it('writes the agent, its config and its units into the root partition, then detaches', async () => {
    const result = await prepare([...args, image]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/boot: partition 1 holds a FAT file system/);
    expect(result.stdout).toMatch(/root: partition 2 of .* mounted at/);
    expect(result.stdout).toMatch(/arch: arm64 \(the ELF header of .*\/usr\/bin\/sh\)/);
    expect(result.stdout).toMatch(/root: unmounted/);
    await expectNothingLeftAttached();

    await withPartitionMounted(image, 2, async (root) => {
      const program = join(root, 'usr/local/bin/baton-agent');
      expect(await readFile(program)).toEqual(await readFile(arm64Elf));
      expect((await stat(program)).mode & 0o7777).toBe(0o755);
      const config = join(root, 'etc/baton/agent.env');
      expect(await readFile(config, 'utf8')).toBe('BATON_BROKER=mqtt://coordinator.local:1883\nBATON_NODE=pi-attic\nBATON_LABELS=zone=attic\nBATON_TOKEN=t0ken\n');
      expect((await stat(config)).mode & 0o7777).toBe(0o600);
      for (const unit of ['baton-agent.service', 'baton-install-docker.service']) {
        expect(await readFile(join(root, 'etc/systemd/system', unit))).toEqual(await readFile(join(repoRoot, 'systemd', unit)));
        expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants', unit))).toBe(`/etc/systemd/system/${unit}`);
      }
      expect((await stat(join(root, 'var/lib/baton/agent'))).mode & 0o7777).toBe(0o700);
    });
  });

  it('a second run changes nothing in the image', async () => {
    const before = await withPartitionMounted(image, 2, snapshotTree);
    const result = await prepare([...args, image]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/up to date: nothing changed/);
    await expectNothingLeftAttached();
    expect(await withPartitionMounted(image, 2, snapshotTree)).toEqual(before);
  });

  it('refuses a program for another machine than the image\'s /bin/sh', async () => {
    const result = await prepare(['--binary', x64Elf, '--broker', 'mqtt://c:1883', image]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/is a program for x64, this root is arm64: use baton-agent-linux-arm64/);
    await expectNothingLeftAttached();
  });

  it('refuses an image whose root partition is mounted elsewhere', async () => {
    await withPartitionMounted(image, 2, async (where) => {
      const result = await prepare([...args, image]);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim()).toMatch(new RegExp(`^baton: error: the root partition of .* is mounted at ${where} .*unmount it first`));
    });
    await expectNothingLeftAttached();
  });

  it('refuses an image without a partition table, and a missing broker', async () => {
    const blank = join(base, 'blank.img');
    await mustRun('truncate', ['-s', '8M', blank]);
    const noTable = await prepare(['--binary', arm64Elf, '--broker', 'mqtt://c:1883', blank]);
    expect(noTable.code).not.toBe(0);
    expect(noTable.stderr).toMatch(/no partition table in .*blank.img/);
    const noBroker = await prepare(['--binary', arm64Elf, image]);
    expect(noBroker.code).not.toBe(0);
    expect(noBroker.stderr).toMatch(/no broker: pass --server http:\/\/HOST:8484 with --token/);
    await expectNothingLeftAttached();
  });
});

describe('prepare-sd-card.sh on a block device', () => {
  it('finds the root partition on the device and installs there', async () => {
    const device = (await mustRun('losetup', ['-f', '--show', image])).trim();
    try {
      const result = await prepare(['--binary', arm64Elf, '--broker', 'mqtt://c:1883', '--node', 'pi-device', device]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`root: partition 2 of ${device} mounted`));
    } finally {
      await detachAll(device);
      await runCommand('losetup', ['-d', device]);
    }
    await expectNothingLeftAttached();
    await withPartitionMounted(image, 2, async (root) => {
      expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe('BATON_BROKER=mqtt://c:1883\nBATON_NODE=pi-device\n');
    });
  });
});

describe('prepare-sd-card.sh on a mounted root folder', () => {
  it('installs into the folder, with the binary of dist/bin picked by the ELF header of its /bin/sh', async () => {
    const root = join(base, 'armhf-root');
    await populateRoot(root, armhfElf);
    const result = await prepare(['--broker', 'mqtt://c:1883', '--node', 'pi-zero-2', root]);
    const built = join(repoRoot, 'dist/bin/baton-agent-linux-armv7l');
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build:binaries`);
    expect(result.stdout).toMatch(/arch: armv7l \(the ELF header of \/usr\/bin\/sh in the image\)/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await stat(join(root, 'usr/local/bin/baton-agent'))).mode & 0o7777).toBe(0o755);
    // Compared by digest: toEqual on two 77 MB buffers takes minutes.
    const digest = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');
    expect(await digest(join(root, 'usr/local/bin/baton-agent'))).toBe(await digest(built));
  });

  it('with --server and --token, the Pi joins the coordinator on its first boot: no broker needed', async () => {
    const root = join(base, 'joining-root');
    await populateRoot(root, arm64Elf);
    const token = `bt1.abc123.${'s'.repeat(24)}.${'0'.repeat(64)}`;
    const result = await prepare(['--binary', arm64Elf, '--server', 'http://hub.local:8484', '--token', token, '--node', 'pi-attic', root]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const env = await readFile(join(root, 'etc/baton/agent.env'), 'utf8');
    expect(env).toContain('BATON_SERVER=http://hub.local:8484\n');
    expect(env).toContain(`BATON_TOKEN=${token}\n`);
    expect(env).not.toContain('BATON_BROKER=');
  });

  it('installs a given binary with its config and units', async () => {
    const root = join(base, 'arm64-root');
    await populateRoot(root, arm64Elf);
    const result = await prepare(['--binary', arm64Elf, '--broker', 'mqtts://broker.example:8883', root]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await readFile(join(root, 'usr/local/bin/baton-agent'))).toEqual(await readFile(arm64Elf));
    expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe('BATON_BROKER=mqtts://broker.example:8883\n');
    expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/baton-agent.service'))).toBe('/etc/systemd/system/baton-agent.service');
    expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/baton-install-docker.service'))).toBe('/etc/systemd/system/baton-install-docker.service');
  });
});
