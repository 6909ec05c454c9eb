import { BATON_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';

/**
 * baton-agent's entry point. `--version` answers before anything heavy is loaded; the
 * program itself (program.ts) is the composition root.
 */
const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  process.stdout.write(`baton-agent ${BATON_VERSION} (protocol ${PROTOCOL_VERSION}, ${process.arch})\n`);
} else {
  // No top-level await: the single binary's bundle is CommonJS.
  void import('./program.js')
    .then(({ run }) => run(argv, process.env))
    .then((code) => {
      if (code !== undefined) process.exit(code);
    });
}
