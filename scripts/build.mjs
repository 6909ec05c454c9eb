// Bundles the three programs into dist/. Dependencies stay external here (they are
// installed beside dist/ by npm); the single-binary build bundles them too.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';


const programs = {
  'baton': 'coordinator/cli/main.ts',
  'baton-agent': 'agent/main.ts',
  'baton-coordinator': 'coordinator/main.ts',
};

await Promise.all(Object.entries(programs).map(async ([name, entry]) => {
  const outfile = `dist/${name}.js`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    banner: { js: '#!/usr/bin/env node' },
    // The coordinator serves the agent installer and unit: built in, as text.
    loader: { '.sh': 'text', '.service': 'text' },
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
}));
