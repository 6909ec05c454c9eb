import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATON_VERSION } from '../../protocol/version.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { runCli, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { binDir, binFile } from './binaries.js';

/**
 * The CLI's x64 single binary is a V8 startup snapshot: its modules ran at build time, and
 * each run starts from the saved heap. It must behave exactly as `node dist/baton.js`:
 * its own arguments, standard input and environment on every run, the same output and
 * exit statuses, against a real mosquitto and coordinator.
 */

const pod = (name: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n  - {name: main, image: busybox}\n`;

describe('baton-linux-x64', () => {
  let broker: Mosquitto;
  let coordinator: Running;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const binary = (): string => binFile('baton-linux-x64');
  const both = async (args: string[], input?: string) => ({
    binary: await runCli(args, { env, input, binary: binary() }),
    node: await runCli(args, { env, input }),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-cli-binary-'));
    broker = await startMosquitto();
    coordinator = startProgram('baton-coordinator', ['--broker', broker.url, '--state-dir', join(dir, 'coordinator')]);
    env = { BATON_BROKER: broker.url, BATON_TIMEOUT: '5' };
    await waitFor('the coordinator answers', async () => (await runCli(['get', 'pods'], { env })).code === 0, { timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await coordinator?.stop();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('carries a startup snapshot, made by its own Node', async () => {
    const info = JSON.parse(await readFile(join(binDir, 'BUILDINFO.json'), 'utf8')) as { files: Record<string, { seaConfig: Record<string, unknown> }> };
    expect(info.files['baton-linux-x64']?.seaConfig).toMatchObject({ useSnapshot: true, useCodeCache: false });
  });

  it('--version and --help print what node dist/baton.js prints', async () => {
    const version = await runCli(['--version'], { binary: binary() });
    expect(version).toEqual({ code: 0, stdout: `baton ${BATON_VERSION} (protocol v1, x64)\n`, stderr: '' });
    const help = await both(['apply', '--help']);
    expect(help.binary).toEqual(help.node);
    expect(help.binary.stdout).toMatch(/^Usage: baton apply -f /);
  });

  it('applies from standard input and reads back what it applied, run after run', async () => {
    const first = await runCli(['apply', '-f', '-'], { env, input: pod('from-binary'), binary: binary() });
    expect(first).toEqual({ code: 0, stdout: 'pod/from-binary created\n', stderr: '' });
    const second = await runCli(['apply', '-f', '-'], { env, input: pod('from-binary-2'), binary: binary() });
    expect(second).toEqual({ code: 0, stdout: 'pod/from-binary-2 created\n', stderr: '' });
    const again = await both(['apply', '-f', '-'], pod('from-binary'));
    expect(again.binary).toEqual({ code: 0, stdout: 'pod/from-binary unchanged\n', stderr: '' });
    expect(again.node).toEqual(again.binary);
    const list = await both(['get', 'pods', '-o', 'json']);
    expect(list.binary.code).toBe(0);
    expect(list.binary.stdout).toBe(list.node.stdout);
    const names = (JSON.parse(list.binary.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['from-binary', 'from-binary-2']));
  });

  it('fails as node dist/baton.js fails: usage (2), an invalid manifest (1), nothing applied', async () => {
    const usage = await both(['frobnicate']);
    expect(usage.binary.code).toBe(2);
    expect(usage.binary).toEqual(usage.node);
    const invalid = await both(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\n');
    expect(invalid.binary.code).toBe(1);
    expect(invalid.binary.stderr).toContain('<stdin>');
    expect(invalid.binary).toEqual(invalid.node);
  });

  it('reads the environment of each run, not of the build', async () => {
    const closed = 'mqtt://127.0.0.1:9';
    const result = await runCli(['get', 'nodes'], { env: { BATON_BROKER: closed, BATON_TIMEOUT: '1' }, binary: binary() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(closed);
    const prefixed = await runCli(['get', 'pods'], { env: { ...env, BATON_PREFIX: 'elsewhere', BATON_TIMEOUT: '1' }, binary: binary() });
    expect(prefixed.code).toBe(1);
    expect(prefixed.stderr).toContain('no reply from the coordinator');
  });
});
