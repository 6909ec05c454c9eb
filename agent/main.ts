import { getHeapStatistics } from 'node:v8';
import { versionLine } from '../protocol/version.js';

/**
 * baton-agent's entry point. `--version` answers before anything heavy is loaded; the
 * program itself (program.ts) is the composition root. `--version --verbose` adds the
 * runtime's line: its Node version, the V8 flags it was started with (a single binary
 * bakes its heap flags in) and the heap limit they give.
 */
const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  process.stdout.write(`${versionLine('baton-agent')}\n`);
  if (argv.includes('--verbose')) process.stdout.write(`${runtimeLine()}\n`);
} else {
  // No top-level await: the single binary's bundle is CommonJS.
  void import('./program.js')
    .then(({ run }) => run(argv, process.env))
    .then((code) => {
      if (code !== undefined) process.exit(code);
    });
}

function runtimeLine(): string {
  const limitMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const flags = process.execArgv.length > 0 ? process.execArgv.join(' ') : '(none)';
  return `node ${process.version}, flags ${flags}, heap limit ${limitMiB} MiB`;
}
