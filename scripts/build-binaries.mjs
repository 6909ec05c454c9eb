// Builds Baton's single binaries into dist/bin (see docs/binaries.md):
//   node scripts/build-binaries.mjs [--program agent|coordinator|cli|all] [--arch x64,arm64,armv7l]
// Each binary is a Node runtime from the npm registry with the program's CommonJS bundle
// injected as a SEA blob, plus its .xz; SHA256SUMS covers every file, BUILDINFO.json
// records what each was made from. A rerun with unchanged inputs rebuilds nothing.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleProgram, programs } from './binaries/bundle.mjs';
import { compressXz, fileStamp, readBuildInfo, sameStamp, writeAtomically, writeSums, XZ_LEVEL } from './binaries/outputs.mjs';
import { ensureRuntime, targets } from './binaries/runtimes.mjs';
import { injectBlob, makeBlob, seaConfig } from './binaries/sea.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = join(root, 'dist/bin');
const cacheDir = join(root, '.cache/node-runtimes');

/**
 * Runtime versions. x64 and arm64: 22.23.3, chosen over 24.21.0 by the agent's memory at
 * rest (docs/binaries.md). armv7l: 20.11.0 is the newest the npm registry has.
 */
const RUNTIMES = { x64: '22.23.3', arm64: '22.23.3', armv7l: '20.11.0' };

/** Bump when the way a binary is made changes, so every binary is rebuilt. */
const RECIPE = 2;

function parseCommandLine(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      program: { type: 'string', default: 'agent' },
      arch: { type: 'string', default: 'x64,arm64,armv7l' },
      // For measuring one runtime against another; releases use RUNTIMES.
      'node-version': { type: 'string' },
    },
  });
  const chosen = values.program === 'all' ? Object.keys(programs) : [values.program];
  for (const p of chosen) if (!(p in programs)) throw new Error(`--program ${p}: must be agent, coordinator, cli or all`);
  const arches = values.arch.split(',').map((a) => a.trim());
  for (const a of arches) if (!(a in targets)) throw new Error(`--arch ${a}: must be x64, arm64 or armv7l`);
  return { programs: chosen, arches, nodeVersion: values['node-version'] };
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * Makes `<name>-linux-<arch>` and its .xz unless BUILDINFO says both exist, unchanged,
 * from the same inputs. Files appear under their final names only when complete.
 */
async function buildOne({ program, arch, bundle, version, info }) {
  const file = `${programs[program].name}-linux-${arch}`;
  const runtime = await ensureRuntime(cacheDir, arch, version);
  // The x64 runtime of the same version makes the arm64 blob: its blob is identical.
  const maker = arch === 'arm64' ? await ensureRuntime(cacheDir, 'x64', version) : runtime;
  const config = seaConfig(runtime, programs[program].v8Flags, programs[program].startup, maker === runtime);
  const inputs = sha256(JSON.stringify({ RECIPE, xz: XZ_LEVEL, bundle: sha256(bundle), runtime: runtime.strippedSha256, maker: maker.sha256, config }));
  const record = info.files[file];
  const rawPath = join(outDir, file);
  const xzPath = `${rawPath}.xz`;
  const entry = {
    program,
    arch,
    node: { package: runtime.package, version: runtime.version, sha256: runtime.sha256, strippedSha256: runtime.strippedSha256 },
    bundleSha256: sha256(bundle),
    seaConfig: config,
    inputs,
  };
  if (
    record?.inputs === inputs &&
    sameStamp(await fileStamp(rawPath), record.raw) &&
    sameStamp(await fileStamp(xzPath), record.xz)
  ) {
    return { file, entry: record, built: false };
  }

  const work = await mkdtemp(join(outDir, `.work-${file}-`));
  try {
    await writeFile(join(work, 'bundle.cjs'), bundle);
    const started = Date.now();
    const blob = await makeBlob(work, maker, config);
    await injectBlob(runtime, blob, join(work, file));
    const injected = Date.now();
    await compressXz(join(work, file), join(work, `${file}.xz`));
    const compressed = Date.now();
    await rename(join(work, file), rawPath);
    await rename(join(work, `${file}.xz`), xzPath);
    const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`built ${file} (blob + inject ${seconds(injected - started)}, xz -${XZ_LEVEL} ${seconds(compressed - injected)})`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { file, entry: { ...entry, raw: await fileStamp(rawPath), xz: await fileStamp(xzPath) }, built: true };
}

async function main() {
  const options = parseCommandLine(process.argv.slice(2));
  await mkdir(outDir, { recursive: true });
  const info = await readBuildInfo(outDir);
  const results = [];
  for (const program of options.programs) {
    const bundle = await bundleProgram(program, root);
    // One at a time: each step already uses the cores (xz -T0), and three 100 MB
    // binaries in postject's memory at once would be a lot for a small CI machine.
    for (const arch of options.arches) {
      const version = arch === 'armv7l' ? RUNTIMES.armv7l : options.nodeVersion ?? RUNTIMES[arch];
      results.push(await buildOne({ program, arch, bundle, version, info }));
    }
  }

  for (const { file, entry } of results) info.files[file] = entry;
  const known = {};
  for (const [file, entry] of Object.entries(info.files)) {
    if (entry.raw) known[file] = entry.raw;
    if (entry.xz) known[`${file}.xz`] = entry.xz;
  }
  const sums = await writeSums(outDir, known);
  // Keep only records of files still there, with their sums.
  for (const [file, entry] of Object.entries(info.files)) {
    if (!sums[file] || !sums[`${file}.xz`]) {
      delete info.files[file];
      continue;
    }
    entry.raw = sums[file];
    entry.xz = sums[`${file}.xz`];
  }
  const text = `${JSON.stringify({ generatedBy: 'scripts/build-binaries.mjs', files: info.files }, null, 2)}\n`;
  if (text !== (await readFile(join(outDir, 'BUILDINFO.json'), 'utf8').catch(() => ''))) await writeAtomically(join(outDir, 'BUILDINFO.json'), text);

  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  const rows = results.map(({ file, built }) => [file, mb(sums[file].size), mb(sums[`${file}.xz`].size), built ? 'built' : 'unchanged']);
  const widths = [0, 1, 2].map((i) => Math.max(...[['file', 'raw', 'xz'][i], ...rows.map((r) => r[i])].map((c) => c.length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : i < 3 ? c.padStart(widths[i]) : c)).join('  ');
  console.log(line(['file', 'raw', 'xz', '']));
  for (const row of rows) console.log(line(row));
}

main().catch((error) => {
  console.error(`build-binaries: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.cause) console.error(error.cause);
  process.exit(1);
});
