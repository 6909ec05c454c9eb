import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Drops `file`'s pages from the page cache (GNU dd's `iflag=nocache count=0` asks the
 * kernel, through posix_fadvise, to forget the whole file), so a program started from
 * it next faults its code in from disk, as it would after a boot.
 *
 * Why the bench does this before starting the single binary: a file the kernel holds
 * whole in its cache (one just built, compressed or checksummed) lets every page fault
 * map up to 16 neighbouring cached pages at once ("fault-around"), and the agent's RSS
 * then reads ~15 MiB higher in clean, file-backed code pages it never uses: a figure
 * that depends on what last read the file, not on the agent.
 */
export async function dropFromPageCache(file: string): Promise<void> {
  await promisify(execFile)('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { timeout: 10_000 });
}
