// Bundles the three programs into dist/. The daemons' dependencies stay external (they
// are installed beside dist/ by npm); the CLI's are bundled in, because the CLI starts
// for every command: one file loads in ~100 ms where resolving and loading mqtt, yaml
// and zod from node_modules took ~250 ms. The single-binary build bundles them all.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import { nodeStreams } from './binaries/bundle.mjs';


const programs = {
  'baton': 'coordinator/cli/main.ts',
  'baton-agent': 'agent/main.ts',
  'baton-coordinator': 'coordinator/main.ts',
};

/** Bundled CommonJS dependencies call require(); an ES module has none of its own. */
const requireShim = "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);";

await Promise.all(Object.entries(programs).map(async ([name, entry]) => {
  const outfile = `dist/${name}.js`;
  const isCli = name === 'baton';
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The CLI bundles its dependencies, with Node's streams for readable-stream (bundle.mjs).
    ...(isCli ? { plugins: [nodeStreams] } : { packages: 'external' }),
    sourcemap: 'linked',
    banner: { js: isCli ? `#!/usr/bin/env node\n${requireShim}` : '#!/usr/bin/env node' },
    // The coordinator serves the agent installer and unit: built in, as text.
    loader: { '.sh': 'text', '.service': 'text' },
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
}));
