import { describe, expect, it } from 'vitest';
// @ts-expect-error: the build scripts are plain JavaScript modules without types
import { bundleProgram } from '../../scripts/binaries/bundle.mjs';
import { repoRoot } from '../support/processes.js';

/**
 * What each single binary's bundle leaves out (docs/binaries.md): its source stays in the
 * heap for the life of the program, so a package that slips back in costs the Pi memory
 * without any test failing. The bundles are made as the build makes them.
 */

const programs = ['agent', 'coordinator', 'cli'] as const;

describe.each(programs)('the %s bundle', (program) => {
  it("holds no copy of Node's streams, none of zod's other locales, none of the left-out packages' code", async () => {
    const bundle = ((await bundleProgram(program, repoRoot)) as Buffer).toString('utf8');
    // readable-stream's own modules are wrapped under their paths; Node's `stream` stands in.
    expect(bundle).not.toMatch(/node_modules\/readable-stream\//);
    // A German message of zod's: its locales come in only when zod is imported whole.
    expect(bundle).not.toContain('Eingabe: erwartet');
    expect(bundle).toContain('Invalid input');
    for (const name of ['lru-cache', 'worker-timers', 'thread-stream', 'tar-fs', 'ssh2', 'ws', 'socks']) {
      expect(bundle).not.toMatch(new RegExp(`node_modules/${name}/`));
    }
    expect(bundle).toContain('lru-cache is not part of the single binary');
  });
});
