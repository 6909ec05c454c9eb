import { mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { mustRun, runCommand } from './shell-run.js';

/**
 * Disk images shaped like Raspberry Pi OS (a dos label, a FAT32 boot partition, an ext4
 * root), made and read with the real tools: sfdisk, mkfs, losetup, mount. Partition nodes
 * do not appear for loop devices here (no udev), so each partition gets its own loop
 * device at its offset.
 */

const sfdiskTable = z.object({
  partitiontable: z.object({
    sectorsize: z.number().optional(),
    partitions: z.array(z.object({ start: z.number(), size: z.number(), type: z.string() })),
  }),
});

export interface Partition {
  readonly offset: number;
  readonly size: number;
  readonly type: string;
}

export async function readPartitions(image: string): Promise<Partition[]> {
  const table = sfdiskTable.parse(JSON.parse(await mustRun('sfdisk', ['-J', image]))).partitiontable;
  const sector = table.sectorsize ?? 512;
  return table.partitions.map((p) => ({ offset: p.start * sector, size: p.size * sector, type: p.type }));
}

async function attach(image: string, partition: Partition): Promise<string> {
  return (await mustRun('losetup', ['-f', '--show', '-o', String(partition.offset), '--sizelimit', String(partition.size), image])).trim();
}

/**
 * Mounts partition `index` (1-based) of `image`, runs `use` on the mount point, and always
 * unmounts and detaches afterwards.
 */
export async function withPartitionMounted<T>(image: string, index: number, use: (dir: string) => Promise<T>): Promise<T> {
  const partition = (await readPartitions(image))[index - 1];
  if (partition === undefined) throw new Error(`${image} has no partition ${index}`);
  const loop = await attach(image, partition);
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'baton-image-mnt-'));
    await mustRun('mount', [loop, dir]);
    try {
      return await use(dir);
    } finally {
      await mustRun('umount', [dir]);
    }
  } finally {
    if (dir !== undefined) await rmdir(dir).catch(() => undefined);
    await runCommand('losetup', ['-d', loop]);
  }
}

/**
 * Makes a sparse image of `totalMiB`: partition 1 FAT32 (`bootMiB`, type c), partition 2
 * ext4 (the rest, type 83). `populateRoot` fills the root file system while it is mounted.
 */
export async function makePiImage(
  image: string,
  options: { totalMiB?: number; bootMiB?: number; populateRoot: (root: string) => Promise<void> },
): Promise<void> {
  const total = options.totalMiB ?? 72;
  const boot = options.bootMiB ?? 16;
  await mustRun('truncate', ['-s', `${total}M`, image]);
  // Raspberry Pi OS starts its boot partition at 4 MiB (sector 8192).
  await mustRun('sfdisk', ['-q', image], { input: `label: dos\nstart=8192, size=${boot * 2048}, type=c\nstart=${8192 + boot * 2048}, type=83\n` });
  const [bootPart, rootPart] = await readPartitions(image);
  if (bootPart === undefined || rootPart === undefined) throw new Error(`sfdisk made no two partitions in ${image}`);
  const bootLoop = await attach(image, bootPart);
  try {
    await mustRun('mkfs.vfat', ['-F', '32', '-n', 'bootfs', bootLoop]);
  } finally {
    await runCommand('losetup', ['-d', bootLoop]);
  }
  const rootLoop = await attach(image, rootPart);
  try {
    await mustRun('mkfs.ext4', ['-q', '-L', 'rootfs', rootLoop]);
  } finally {
    await runCommand('losetup', ['-d', rootLoop]);
  }
  await withPartitionMounted(image, 2, options.populateRoot);
}

/** Loop devices attached to `image` (by anyone), e.g. `/dev/loop3`. */
export async function loopsOf(image: string): Promise<string[]> {
  const out = await runCommand('losetup', ['-j', image]);
  return out.stdout
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => line.slice(0, line.indexOf(':')));
}

/**
 * Unmounts and detaches whatever is left on `image` or on a loop device over it (a test
 * that failed half-way, a script that leaked), then removes the image.
 */
export async function discardImage(image: string): Promise<void> {
  await detachAll(image);
  await rm(image, { force: true });
}

/** Unmounts and detaches every loop device over `backing` (a file or a device), deepest first. */
export async function detachAll(backing: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' '));
  for (const loop of await loopsOf(backing)) {
    await detachAll(loop);
    for (const [device, where] of mounts) {
      if (device === loop && where !== undefined) await runCommand('umount', [where]);
    }
    await runCommand('losetup', ['-d', loop]);
  }
}
