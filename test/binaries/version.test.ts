import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BATON_VERSION } from '../../protocol/version.js';
import { arches, runAgentBinary } from './binaries.js';

/**
 * Each agent binary answers --version with its own architecture (the ARM ones under
 * qemu-user) and --help; --verbose shows the heap flags a 1 GB Pi needs in effect.
 */

const AGENT_FLAGS = '--max-old-space-size=32 --max-semi-space-size=1 --lite-mode --no-expose-wasm --single-threaded --bytecode-old-age=1';

/** The NODE_OPTIONS the agent's unit sets, as a Pi's systemd would pass them. */
function unitNodeOptions(): string {
  const unit = readFileSync(new URL('../../systemd/baton-agent.service', import.meta.url), 'utf8');
  const match = /^Environment="NODE_OPTIONS=([^"]*)"$/m.exec(unit);
  if (!match?.[1]) throw new Error('systemd/baton-agent.service sets no NODE_OPTIONS');
  return match[1];
}

function heapLimitMiB(verbose: string): number {
  const match = /heap limit (\d+) MiB/.exec(verbose);
  if (!match?.[1]) throw new Error(`no heap limit in ${JSON.stringify(verbose)}`);
  return Number(match[1]);
}

describe.each(arches)('baton-agent-linux-%s', (arch) => {
  it('--version prints the version, the protocol and its architecture', async () => {
    const { code, stdout, stderr } = await runAgentBinary(arch, ['--version']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`baton-agent ${BATON_VERSION} (protocol v1, ${arch})\n`);
  });

  it('--help lists the flags', async () => {
    const { code, stdout } = await runAgentBinary(arch, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: baton-agent \[options\]\n/);
    expect(stdout).toContain('--broker URL');
  });
});

describe('the V8 flags', () => {
  it.each(['x64', 'arm64'] as const)('are baked into the %s binary', async (arch) => {
    const { code, stdout } = await runAgentBinary(arch, ['--version', '--verbose']);
    expect(code).toBe(0);
    const verbose = stdout.split('\n')[1] ?? '';
    expect(verbose).toMatch(/^node v22\.\d+\.\d+, flags /);
    expect(verbose).toContain(`flags ${AGENT_FLAGS},`);
    expect(heapLimitMiB(verbose)).toBeLessThan(64);
  });

  it("reach the armv7l binary (Node 20.11, no SEA execArgv) through the unit's NODE_OPTIONS", async () => {
    const without = await runAgentBinary('armv7l', ['--version', '--verbose']);
    expect(without.stdout).toMatch(/\nnode v20\.11\.0, flags \(none\), heap limit \d+ MiB\n$/);
    expect(heapLimitMiB(without.stdout)).toBeGreaterThan(500);
    const withEnv = await runAgentBinary('armv7l', ['--version', '--verbose'], { NODE_OPTIONS: unitNodeOptions() });
    expect(withEnv.code).toBe(0);
    // --jitless, which V8 says turns WebAssembly off; nothing else may be printed.
    expect(withEnv.stderr).toBe('Warning: disabling flag --expose_wasm due to conflicting flags\n');
    expect(heapLimitMiB(withEnv.stdout)).toBeLessThan(64);
  });
});
