// Target Node runtimes, from the npm registry only (`npm pack node-linux-<arch>@<version>`),
// kept in .cache/node-runtimes/ so a rebuild needs no network.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Each architecture's strip and, when it is not this machine's, how to run its programs. */
export const targets = {
  x64: { strip: 'strip', emulator: [] },
  arm64: { strip: 'aarch64-linux-gnu-strip', emulator: ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'] },
  armv7l: { strip: 'arm-linux-gnueabihf-strip', emulator: ['qemu-arm-static', '-L', '/usr/arm-linux-gnueabihf'] },
};

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

const exists = (path) => access(path).then(() => true, () => false);

/**
 * The runtime `node-linux-<arch>@<version>`: its published `bin/node` (unstripped, as the
 * registry has it) and a stripped copy made with the target's strip. Idempotent: what is
 * in the cache is used as is; each file appears under its final name only when complete.
 */
export async function ensureRuntime(cacheDir, arch, version) {
  const pkg = `node-linux-${arch}`;
  const dir = join(cacheDir, `${arch}-${version}`);
  const node = join(dir, 'node');
  const stripped = join(dir, 'node.stripped');
  await mkdir(dir, { recursive: true });
  if (!(await exists(node))) {
    const tarball = join(cacheDir, `${pkg}-${version}.tgz`);
    if (!(await exists(tarball))) {
      console.log(`fetching ${pkg}@${version} from the npm registry`);
      // npm checks the tarball against the registry's integrity before writing it.
      await run('npm', ['pack', '--silent', '--pack-destination', cacheDir, `${pkg}@${version}`], { maxBuffer: 1 << 24 });
    }
    const scratch = await mkdtemp(join(dir, '.extract-'));
    try {
      await run('tar', ['-xzf', tarball, '-C', scratch, 'package/bin/node']);
      await rename(join(scratch, 'package/bin/node'), node);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  if (!(await exists(stripped))) {
    const partial = `${stripped}.partial`;
    await run(targets[arch].strip, ['-o', partial, node]);
    await rename(partial, stripped);
  }
  const info = join(dir, 'sha256.json');
  let sums;
  try {
    sums = JSON.parse(await readFile(info, 'utf8'));
  } catch {
    sums = { node: await sha256File(node), stripped: await sha256File(stripped) };
    await writeFile(`${info}.partial`, JSON.stringify(sums));
    await rename(`${info}.partial`, info);
  }
  return { arch, version, package: `${pkg}@${version}`, node, stripped, sha256: sums.node, strippedSha256: sums.stripped };
}
