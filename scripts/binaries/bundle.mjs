// One program as one CommonJS file with every dependency inside: a Node single
// executable runs a CommonJS main script that may only require Node's built-ins.
import { build } from 'esbuild';

export const programs = {
  agent: { name: 'baton-agent', entry: 'agent/main.ts' },
  coordinator: { name: 'baton-coordinator', entry: 'coordinator/main.ts' },
  cli: { name: 'baton', entry: 'coordinator/cli/main.ts' },
};

/**
 * Native addons cannot live in the bundle (nor in a single executable). ssh2, pulled in by
 * dockerode for ssh:// Docker hosts, tries `cpu-features` and its own crypto `.node`
 * inside try/catch and falls back to pure JavaScript: give it a module that throws.
 */
const nativeAddonsThrow = {
  name: 'native-addons-throw',
  setup(b) {
    b.onResolve({ filter: /^cpu-features$|\.node$/ }, (args) => ({ path: args.path, namespace: 'native-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'native-addon' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`native addon ${args.path} is not part of the single binary`)});`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles `program` and returns the bundle's bytes (nothing is written: the caller
 * decides whether anything changed). Whitespace and syntax are minified, identifiers are
 * not, so stack traces keep the functions' names.
 */
export async function bundleProgram(program, root) {
  const { entry } = programs[program];
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    outfile: 'bundle.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    legalComments: 'none',
    // The coordinator serves the installer and the agent's unit as built into it.
    loader: { '.sh': 'text', '.service': 'text' },
    // A CommonJS bundle has no import.meta; a single executable's script is the binary itself.
    define: { 'import.meta.url': '__batonScriptUrl' },
    banner: { js: 'var __batonScriptUrl=require("node:url").pathToFileURL(__filename).href;' },
    plugins: [nativeAddonsThrow],
    logLevel: 'silent',
  });
  for (const warning of result.warnings) console.warn(`esbuild: ${warning.text}`);
  const file = result.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(file.contents);
}
