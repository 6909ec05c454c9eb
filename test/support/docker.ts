import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The local image every test runs (built by scripts/build-test-image.sh; no registry needed). */
export const TEST_IMAGE = 'baton-test/busybox:1';

/** `docker` CLI output, trimmed: tests assert on what a user would see with docker. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** IDs of the containers carrying every given label (`key=value`), running or not. */
export async function containersWithLabels(...labels: string[]): Promise<string[]> {
  const out = await docker('ps', '-aq', '--no-trunc', ...labels.flatMap((l) => ['--filter', `label=${l}`]));
  return out === '' ? [] : out.split('\n');
}

/** Removes every container of the given Baton node (cleanup between tests). */
export async function removeNodeContainers(node: string): Promise<void> {
  const ids = await containersWithLabels(`io.baton.node=${node}`);
  if (ids.length > 0) await docker('rm', '-f', ...ids);
}
