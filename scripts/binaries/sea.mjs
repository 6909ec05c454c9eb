// A Node single executable: a SEA blob (the bundle plus its config) made by a Node of
// exactly the target's version, injected into the target's stripped `node`.
import { copyFile, writeFile, readFile, chmod } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run, targets } from './runtimes.mjs';

const { inject } = createRequire(import.meta.url)('postject');

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * The SEA config for `runtime`. `execArgv` exists from Node 22 (backported) and 24, not in
 * 20.11: there the V8 flags cannot be baked in (see docs/binaries.md).
 *
 * `startup` asks for a code cache or a startup snapshot (bundle.mjs). Either is made only
 * where the blob is made by the target's own runtime (`isOwnMaker`), from Node 22: V8
 * checks both against its build and flags, the arm64 blob is made by the x64 Node, and
 * Node 20.11's SEA has neither. A snapshot holds the heap after the bundle's top level
 * ran at build time, so the program starts without evaluating its modules: the CLI's
 * `--version` in about 35 ms, against 50 with a code cache and 80 with neither. Node uses no
 * code cache beside a snapshot.
 */
export function seaConfig(runtime, v8Flags, startup, isOwnMaker) {
  const major = Number(runtime.version.split('.')[0]);
  const canPrepare = isOwnMaker && major >= 22;
  return {
    main: 'bundle.cjs',
    output: 'sea.blob',
    disableExperimentalSEAWarning: true,
    useSnapshot: canPrepare && startup === 'snapshot',
    useCodeCache: canPrepare && startup === 'codeCache',
    ...(major >= 22 && v8Flags.length > 0 ? { execArgv: v8Flags } : {}),
  };
}

/**
 * Makes the blob in `workDir` (which holds bundle.cjs) with `maker`, a Node of the
 * target's version: the x64 Node natively for x64 and arm64 (their blobs are identical),
 * the armv7l Node under qemu for armv7l (its blob has 32-bit length fields).
 */
export async function makeBlob(workDir, maker, config) {
  await writeFile(join(workDir, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const command = [...targets[maker.arch].emulator, maker.node, '--experimental-sea-config', 'sea-config.json'];
  const [program, ...args] = command;
  await run(program, args, { cwd: workDir });
  return readFile(join(workDir, 'sea.blob'));
}

/** Writes the executable to `out`: the stripped runtime with `blob` injected. */
export async function injectBlob(runtime, blob, out) {
  await copyFile(runtime.stripped, out);
  await chmod(out, 0o755);
  // postject (and the ELF library inside it) chatter on the console, harmless warnings
  // included; keep the build's output short and show them only when injection fails.
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const chatter = [];
  console.log = console.warn = console.error = (...args) => void chatter.push(args.join(' '));
  try {
    await inject(out, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE });
  } catch (error) {
    throw new Error(`postject failed on ${out}:\n${chatter.join('\n')}`, { cause: error });
  } finally {
    Object.assign(console, saved);
  }
}
