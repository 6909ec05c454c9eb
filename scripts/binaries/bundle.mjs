// One program as one CommonJS file with every dependency inside: a Node single
// executable runs a CommonJS main script that may only require Node's built-ins.
import { build } from 'esbuild';

/**
 * The programs, the V8 flags baked into each and how each starts (docs/binaries.md). The
 * agent lives on a 1 GB Pi and mostly waits: a small heap, --lite-mode (no optimizing
 * compilers, lazy feedback) takes ~8 MiB off its RSS for a little CPU on the rare busy
 * moment; --no-expose-wasm says what lite mode implies, so V8 prints no warning about it;
 * --single-threaded keeps V8's garbage collection and compiling on the main thread
 * (~1.5 MiB less, with the unit's MALLOC_ARENA_MAX); --bytecode-old-age=1 lets V8 drop
 * the bytecode of a function not run since the last full collection (start-up code,
 * mostly; it is compiled again if ever called), ~1 MiB less; it starts once, so nothing is
 * prepared for its start. The coordinator schedules whole fleets: V8's defaults and a
 * code cache. The CLI runs for a moment, once per command: a startup snapshot, its
 * modules already evaluated (coordinator/cli/main.ts).
 *
 * `startup`: 'none'; 'codeCache' (V8's bytecode of the bundle, so it is not compiled at
 * start); 'snapshot' (a V8 startup snapshot of the heap after the bundle's top level
 * ran). Either only where the target's own Node makes the blob (sea.mjs).
 */
export const programs = {
  agent: {
    name: 'baton-agent',
    entry: 'agent/main.ts',
    v8Flags: ['--max-old-space-size=32', '--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm', '--single-threaded', '--bytecode-old-age=1'],
    startup: 'none',
  },
  coordinator: { name: 'baton-coordinator', entry: 'coordinator/main.ts', v8Flags: [], startup: 'codeCache' },
  cli: { name: 'baton', entry: 'coordinator/cli/main.ts', v8Flags: [], startup: 'snapshot' },
};

/**
 * Packages dependencies pull in for features Baton does not use, each replaced by a module
 * that throws when used: together ~1.2 MB of bundle and ~4 MiB of the agent's memory.
 */
const leftOut = {
  '@grpc/grpc-js': "dockerode's BuildKit sessions (Baton builds no images)",
  '@grpc/proto-loader': "dockerode's BuildKit sessions (Baton builds no images)",
  protobufjs: "dockerode's BuildKit builds (Baton builds no images)",
  ssh2: 'ssh:// Docker hosts (Baton reaches Docker by unix:// or tcp://)',
  ws: 'MQTT over WebSocket (Baton speaks mqtt:// and mqtts://)',
  socks: 'MQTT through a SOCKS proxy (Baton speaks mqtt:// and mqtts://)',
  'worker-timers': "MQTT.js's timers inside a browser's web worker (Baton runs on Node)",
  'thread-stream': "pino's transports in worker threads (Baton logs JSON lines to stdout)",
  'tar-fs': "dockerode's image builds from a folder (Baton builds no images)",
  'lru-cache': "MQTT.js's MQTT 5 topic aliases (Baton speaks MQTT 3.1.1)",
};

const leftOutPackages = {
  name: 'left-out-packages',
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, (args) => (Object.hasOwn(leftOut, args.path) ? { path: args.path, namespace: 'left-out' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => {
      const message = `${args.path} is not part of the single binary: it serves ${leftOut[args.path]}`;
      // Reading a property at load time must work (modules destructure what they import);
      // calling or constructing anything from it throws.
      const contents = `const fail = function () { throw new Error(${JSON.stringify(message)}); };
module.exports = new Proxy(fail, { get: (target, key) => (key === '__esModule' ? false : typeof key === 'symbol' ? undefined : fail) });`;
      return { contents, loader: 'js' };
    });
  },
};

/**
 * `readable-stream` is a copy of Node's streams for browsers and old Nodes; MQTT.js, its
 * `bl` and docker-modem each bring one (v3 or v4), about 290 kB of bundle that sits in the
 * heap as source. Every user reads its classes by name (`.Duplex`, `.Writable`, ...), which
 * Node's own `stream` module has: each copy's own READABLE_STREAM=disable switch hands out
 * the same. The bundle gets Node's (so does dist/baton.js, scripts/build.mjs).
 */
export const nodeStreams = {
  name: 'node-streams',
  setup(b) {
    b.onResolve({ filter: /^readable-stream$/ }, (args) => ({ path: args.path, namespace: 'node-streams' }));
    b.onLoad({ filter: /.*/, namespace: 'node-streams' }, () => ({ contents: "module.exports = require('node:stream');", loader: 'js' }));
  },
};

/**
 * Native addons cannot live in the bundle (nor in a single executable). Those a dependency
 * reaches for inside try/catch as an optional speed-up (ssh2's `cpu-features` and crypto
 * `.node`, were ssh2 not left out) get a module that throws, so it falls back to JavaScript.
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
    plugins: [nativeAddonsThrow, leftOutPackages, nodeStreams],
    logLevel: 'silent',
  });
  for (const warning of result.warnings) console.warn(`esbuild: ${warning.text}`);
  const file = result.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(file.contents);
}
