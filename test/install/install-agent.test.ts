import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/processes.js';
import { mustRun, runCommand, type ShellResult } from '../support/shell-run.js';
import { filesUnder, snapshotTree } from '../support/file-tree.js';
import { serveFolder, type StaticServer } from '../support/static-http.js';

// scripts/install-agent.sh run for real under several POSIX shells, into scratch roots
// (--root), piped from an HTTP server as a Pi would run it, and in live mode inside a
// private mount namespace whose /etc, /usr/local and /var/lib are overlays. Only one
// thing differs from a Pi: systemd is not PID 1 here, so nothing can be started.

const script = join(repoRoot, 'scripts/install-agent.sh');
const repoUnit = join(repoRoot, 'systemd/baton-agent.service');
const repoDockerUnit = join(repoRoot, 'systemd/baton-install-docker.service');
const arm64Elf = '/usr/aarch64-linux-gnu/lib/libc.so.6';

let base: string;
let work: string; // TMPDIR of every run: the installer must leave nothing in it
let binaryV1: string;
let binaryV2: string;
let scratchCount = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'baton-install-test-'));
  work = join(base, 'work');
  await mkdir(work);
  binaryV1 = join(base, 'agent-v1');
  binaryV2 = join(base, 'agent-v2');
  await writeFile(binaryV1, '#!/bin/sh\necho baton-agent 1\n', { mode: 0o755 });
  await writeFile(binaryV2, '#!/bin/sh\necho baton-agent 2\n', { mode: 0o755 });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function scratchRoot(): Promise<string> {
  const dir = join(base, `root-${++scratchCount}`);
  await mkdir(dir);
  return dir;
}

function runInstaller(shell: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ShellResult> {
  const [command, ...shellArgs] = shell;
  if (command === undefined) throw new Error('no shell');
  return runCommand(command, [...shellArgs, script, ...args], { env: { TMPDIR: work, ...env } });
}

function expectOneLineError(result: ShellResult, message: RegExp): void {
  expect(result.code, result.stdout + result.stderr).not.toBe(0);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^baton: error: /);
  expect(lines[0]).toMatch(message);
}

const shells: Array<[string, string[]]> = [
  ['dash', ['dash']],
  ['busybox sh', ['busybox', 'sh']],
  ['bash --posix', ['bash', '--posix']],
];

describe.each(shells)('install-agent.sh --root under %s', (_name, shell) => {
  let root: string;
  const settings = ['--broker', 'mqtt://coordinator.local:1883', '--node', 'pi-kitchen', '--token', 'j0in-T0ken.x', '--label', 'zone=attic', '--label', 'baton.io/role=edge'];
  const program = (): string => join(root, 'usr/local/bin/baton-agent');
  const config = (): string => join(root, 'etc/baton/agent.env');
  const unit = (): string => join(root, 'etc/systemd/system/baton-agent.service');
  const wants = (): string => join(root, 'etc/systemd/system/multi-user.target.wants/baton-agent.service');
  const state = (): string => join(root, 'var/lib/baton/agent');

  beforeAll(async () => {
    root = await scratchRoot();
  });

  it('installs the program, the config and the unit, and enables the agent', async () => {
    const result = await runInstaller(shell, ['--root', root, '--binary', binaryV1, ...settings]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/program .*baton-agent: installed/);
    expect(await readFile(program(), 'utf8')).toBe(await readFile(binaryV1, 'utf8'));
    expect((await stat(program())).mode & 0o7777).toBe(0o755);
    expect(await readFile(config(), 'utf8')).toBe(
      'BATON_BROKER=mqtt://coordinator.local:1883\nBATON_NODE=pi-kitchen\nBATON_LABELS=zone=attic,baton.io/role=edge\nBATON_TOKEN=j0in-T0ken.x\n',
    );
    expect((await stat(config())).mode & 0o7777).toBe(0o600);
    expect(await readFile(unit())).toEqual(await readFile(repoUnit));
    expect((await stat(unit())).mode & 0o7777).toBe(0o644);
    expect(await readlink(wants())).toBe('/etc/systemd/system/baton-agent.service');
    expect((await stat(state())).mode & 0o7777).toBe(0o700);
    // No Docker in this root: the first-boot Docker unit comes along when the checkout has it.
    const dockerUnit = join(root, 'etc/systemd/system/baton-install-docker.service');
    if (existsSync(repoDockerUnit)) {
      expect(await readFile(dockerUnit)).toEqual(await readFile(repoDockerUnit));
      expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/baton-install-docker.service'))).toBe(
        '/etc/systemd/system/baton-install-docker.service',
      );
    } else {
      expect(result.stdout).toMatch(/no baton-install-docker.service beside the unit/);
    }
    expect(await readdir(work)).toEqual([]);
  });

  it('a second identical run says up to date and touches nothing', async () => {
    const before = await snapshotTree(root);
    const result = await runInstaller(shell, ['--root', root, '--binary', binaryV1, ...settings]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/up to date: nothing changed/);
    expect(await snapshotTree(root)).toEqual(before);
  });

  it('a new binary replaces the program by a rename and leaves config and unit alone', async () => {
    const before = await snapshotTree(root);
    const result = await runInstaller(shell, ['--root', root, '--binary', binaryV2, ...settings]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/program .*baton-agent: replaced/);
    expect(await readFile(program(), 'utf8')).toBe(await readFile(binaryV2, 'utf8'));
    const after = await snapshotTree(root);
    expect(after.get('usr/local/bin/baton-agent')?.ino).not.toBe(before.get('usr/local/bin/baton-agent')?.ino);
    expect(after.get('etc/baton/agent.env')).toEqual(before.get('etc/baton/agent.env'));
    expect(after.get('etc/systemd/system/baton-agent.service')).toEqual(before.get('etc/systemd/system/baton-agent.service'));
    expect(await readdir(join(root, 'usr/local/bin'))).toEqual(['baton-agent']);
  });

  it('changed settings rewrite only the config, still 0600', async () => {
    const before = await snapshotTree(root);
    const result = await runInstaller(shell, ['--root', root, '--binary', binaryV2, ...settings, '--label', 'power=poe']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/config .*agent.env: replaced/);
    expect(await readFile(config(), 'utf8')).toMatch(/^BATON_LABELS=zone=attic,baton.io\/role=edge,power=poe$/m);
    expect((await stat(config())).mode & 0o7777).toBe(0o600);
    expect((await snapshotTree(root)).get('usr/local/bin/baton-agent')).toEqual(before.get('usr/local/bin/baton-agent'));
  });

  it('--uninstall removes program, unit, config and the wants link, and keeps the state', async () => {
    await writeFile(join(state(), 'desired.json'), '{}');
    const result = await runInstaller(shell, ['--uninstall', '--root', root]);
    expect(result.code, result.stderr).toBe(0);
    for (const gone of [program(), config(), unit(), wants(), join(root, 'etc/baton')]) {
      await expect(lstat(gone), gone).rejects.toThrow(/ENOENT/);
    }
    expect(await readFile(join(state(), 'desired.json'), 'utf8')).toBe('{}');
    const again = await runInstaller(shell, ['--uninstall', '--root', root]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/not installed/);
  });

  it('--purge also removes the state', async () => {
    const result = await runInstaller(shell, ['--uninstall', '--purge', '--root', root]);
    expect(result.code, result.stderr).toBe(0);
    await expect(lstat(state())).rejects.toThrow(/ENOENT/);
    expect(await filesUnder(root)).toEqual([]);
  });
});

describe('install-agent.sh: the Docker unit for the first boot', () => {
  let unitDir: string;
  beforeAll(async () => {
    unitDir = join(base, 'units');
    await mkdir(unitDir);
    await copyFile(repoUnit, join(unitDir, 'baton-agent.service'));
    await writeFile(join(unitDir, 'baton-install-docker.service'), '[Unit]\nDescription=test\n[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n');
  });

  it('is installed and enabled when the root has no /usr/bin/dockerd', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, '--unit', join(unitDir, 'baton-agent.service'), '--broker', 'mqtt://c:1883']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/systemd/system/baton-install-docker.service'), 'utf8')).toMatch(/Description=test/);
    expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/baton-install-docker.service'))).toBe('/etc/systemd/system/baton-install-docker.service');
    const uninstall = await runInstaller(['dash'], ['--uninstall', '--root', root]);
    expect(uninstall.code).toBe(0);
    expect((await filesUnder(root)).filter((f) => f.includes('docker'))).toEqual([]);
  });

  it('is left out when the root has Docker already, or with --skip-docker', async () => {
    const withDocker = await scratchRoot();
    await mkdir(join(withDocker, 'usr/bin'), { recursive: true });
    await writeFile(join(withDocker, 'usr/bin/dockerd'), '', { mode: 0o755 });
    const skipped = await scratchRoot();
    for (const [root, extra] of [[withDocker, []], [skipped, ['--skip-docker']]] as const) {
      const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, '--unit', join(unitDir, 'baton-agent.service'), '--broker', 'mqtt://c:1883', ...extra]);
      expect(result.code, result.stderr).toBe(0);
      expect(existsSync(join(root, 'etc/systemd/system/baton-install-docker.service'))).toBe(false);
      expect(existsSync(join(root, 'etc/systemd/system/baton-agent.service'))).toBe(true);
    }
  });
});

describe('install-agent.sh refuses bad input with one line and installs nothing', () => {
  const good = ['--broker', 'mqtt://c:1883', '--node', 'pi-1'];
  const cases: Array<[string, string[], RegExp]> = [
    ['a node name with capitals and _', ['--node', 'Pi_Kitchen'], /node name 'Pi_Kitchen' is not valid/],
    ['a node name ending in -', ['--node', 'pi-'], /node name 'pi-' is not valid/],
    ['a broker URL of another scheme', ['--broker', 'http://c:1883'], /broker 'http:\/\/c:1883' is not a broker URL.*mqtt:\/\//],
    ['a broker URL with a space', ['--broker', 'mqtt://c :1883'], /is not a broker URL/],
    ['a label without =', ['--label', 'zone'], /--label 'zone': expected KEY=VALUE/],
    ['a label value with a comma', ['--label', 'zone=a,b'], /--label 'zone=a,b': the value/],
    ['a token with a quote', ['--token', "a'b"], /the token has spaces, quotes/],
    ['an unknown flag', ['--nodes', 'x'], /unknown argument '--nodes'/],
    ['a flag without its value', ['--token'], /--token needs a value/],
    ['a program for another machine', ['--binary', arm64Elf], /is a program for arm64, this root is x64/],
  ];
  it.each(cases)('%s', async (_what, bad, message) => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, ...good, ...bad]);
    expectOneLineError(result, message);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('needs root in live mode', async () => {
    const copy = join(base, 'install-agent.sh');
    await copyFile(script, copy);
    await chmod(base, 0o755);
    await chmod(copy, 0o755);
    const result = await runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'dash', copy, '--binary', binaryV1, ...good]);
    expectOneLineError(result, /run as root/);
  });

  it('no broker on a first install', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1], { BATON_BROKER: '' });
    expectOneLineError(result, /no broker: pass --broker mqtt:\/\/.*or --server URL and --token TOKEN to join/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('no broker, and a token without a server to join', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, '--token', 'tok-1'], { BATON_BROKER: '', BATON_SERVER: '' });
    expectOneLineError(result, /no broker: pass --broker/);
    expect(await filesUnder(root)).toEqual([]);
  });
});

describe('install-agent.sh for a node that joins (--server and --token)', () => {
  const unitArgs = (): string[] => ['--unit', repoUnit];
  const env = { BATON_BROKER: '', BATON_SERVER: '', BATON_TOKEN: '' };

  it('keeps the server beside the token in agent.env, and needs no broker: the join gives it', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, ...unitArgs(), '--server', 'http://hub.local:8484/', '--token', 'tok-1', '--node', 'pi-j'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe('BATON_NODE=pi-j\nBATON_SERVER=http://hub.local:8484\nBATON_TOKEN=tok-1\n');
    expect((await stat(join(root, 'etc/baton/agent.env'))).mode & 0o7777).toBe(0o600);
  });

  it('a broker given is kept too (it wins over the one the join gives)', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, ...unitArgs(), '--broker', 'mqtts://hub.local:8883'], { ...env, BATON_SERVER: 'http://hub.local:8484', BATON_TOKEN: 'tok-2' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe('BATON_BROKER=mqtts://hub.local:8883\nBATON_SERVER=http://hub.local:8484\nBATON_TOKEN=tok-2\n');
  });

  it('a server without a token is not written: there is nothing to join with', async () => {
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--binary', binaryV1, ...unitArgs(), '--broker', 'mqtt://hub.local:1883', '--server', 'http://hub.local:8484'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe('BATON_BROKER=mqtt://hub.local:1883\n');
  });
});

/** A folder laid out as the coordinator serves it: install.sh, the unit, binaries/. */
async function servedFolder(name: string, agent: Buffer, which: { raw: boolean; xz: boolean }): Promise<string> {
  const dir = join(base, name);
  await mkdir(join(dir, 'binaries'), { recursive: true });
  const bin = join(dir, 'binaries/baton-agent-linux-x64');
  await writeFile(bin, agent, { mode: 0o755 });
  await mustRun('xz', ['-k', '-T1', bin]);
  const listed = [...(which.raw ? ['baton-agent-linux-x64'] : []), ...(which.xz ? ['baton-agent-linux-x64.xz'] : [])];
  await writeFile(join(dir, 'binaries/SHA256SUMS'), await mustRun('sha256sum', listed, { cwd: join(dir, 'binaries') }));
  await copyFile(repoUnit, join(dir, 'baton-agent.service'));
  return dir;
}

/** install.sh as the coordinator serves it: the two DEFAULT_ lines filled in. */
async function fillDefaults(dir: string, server: string, broker: string): Promise<void> {
  const text = await readFile(script, 'utf8');
  expect(text.match(/^DEFAULT_SERVER=''$/gm)).toHaveLength(1);
  expect(text.match(/^DEFAULT_BROKER=''$/gm)).toHaveLength(1);
  const filled = text.replace(/^DEFAULT_SERVER=''$/m, `DEFAULT_SERVER='${server}'`).replace(/^DEFAULT_BROKER=''$/m, `DEFAULT_BROKER='${broker}'`);
  await writeFile(join(dir, 'install.sh'), filled);
}

/** The join line of a fresh Pi: curl ... | sh -s -- ARGS (into a scratch root here). */
function pipeInstall(server: StaticServer, args: readonly string[]): Promise<ShellResult> {
  return runCommand('sh', ['-c', `curl -sfL ${server.url}/install.sh | sh -s -- ${args.join(' ')}`], { env: { TMPDIR: work } });
}

describe('install-agent.sh piped from the coordinator downloads and checks the program', () => {
  const servers: StaticServer[] = [];
  const agent = Buffer.from(`#!/bin/sh\necho served agent\n${'#'.repeat(4096)}\n`);
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('takes the .xz program, checked against SHA256SUMS, and the unit from the server', async () => {
    const dir = await servedFolder('served-xz', agent, { raw: true, xz: true });
    const server = await serveFolder(dir);
    servers.push(server);
    await fillDefaults(dir, server.url, 'mqtt://127.0.0.1:1883');
    const root = await scratchRoot();
    const result = await pipeInstall(server, ['--root', root, '--token', 'tok-1', '--node', 'pi-dl']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.requests).toEqual(['/install.sh', '/binaries/SHA256SUMS', '/binaries/baton-agent-linux-x64.xz', '/baton-agent.service']);
    expect(await readFile(join(root, 'usr/local/bin/baton-agent'))).toEqual(agent);
    expect(await readFile(join(root, 'etc/baton/agent.env'), 'utf8')).toBe(`BATON_BROKER=mqtt://127.0.0.1:1883\nBATON_NODE=pi-dl\nBATON_SERVER=${server.url}\nBATON_TOKEN=tok-1\n`);
    expect(await readFile(join(root, 'etc/systemd/system/baton-agent.service'))).toEqual(await readFile(repoUnit));
    expect(await readdir(work)).toEqual([]);

    const again = await pipeInstall(server, ['--root', root, '--token', 'tok-1', '--node', 'pi-dl']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/up to date/);
  });

  it('takes the raw program when SHA256SUMS lists no .xz', async () => {
    const dir = await servedFolder('served-raw', agent, { raw: true, xz: false });
    const server = await serveFolder(dir);
    servers.push(server);
    await fillDefaults(dir, server.url, 'mqtt://127.0.0.1:1883');
    const root = await scratchRoot();
    const result = await pipeInstall(server, ['--root', root]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.requests).toContain('/binaries/baton-agent-linux-x64');
    expect(server.requests).not.toContain('/binaries/baton-agent-linux-x64.xz');
    expect(await readFile(join(root, 'usr/local/bin/baton-agent'))).toEqual(agent);
  });

  it('a program that does not match SHA256SUMS aborts and installs nothing', async () => {
    const dir = await servedFolder('served-bad', agent, { raw: true, xz: true });
    await writeFile(join(dir, 'binaries/baton-agent-linux-x64.xz'), Buffer.from('not the file the sums were made of'));
    const server = await serveFolder(dir);
    servers.push(server);
    const root = await scratchRoot();
    const result = await runInstaller(['dash'], ['--root', root, '--server', server.url, '--broker', 'mqtt://c:1883']);
    expectOneLineError(result, /baton-agent-linux-x64.xz does not match its SHA256SUMS.*nothing installed/);
    expect(await filesUnder(root)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
  });

  it('a server without the program says so', async () => {
    const root = await scratchRoot();
    const dir = join(base, 'served-empty');
    await mkdir(join(dir, 'binaries'), { recursive: true });
    await writeFile(join(dir, 'binaries/SHA256SUMS'), '');
    const server = await serveFolder(dir);
    servers.push(server);
    const result = await runInstaller(['dash'], ['--root', root, '--server', server.url, '--broker', 'mqtt://c:1883']);
    expectOneLineError(result, /has no baton-agent-linux-x64 .*npm run build:binaries/);
    expect(await filesUnder(root)).toEqual([]);
  });
});

describe('install-agent.sh in live mode (a private mount namespace; systemd not running)', () => {
  // /etc, /usr/local and /var/lib are overlays whose upper layers the test reads: the
  // installer works on the real paths, and this machine's own stay untouched.
  let layers: string;
  const node = `install-live-${process.pid}`;
  const layer = (name: string, path: string): string => join(layers, name, 'upper', path);

  beforeAll(async () => {
    expect(existsSync('/run/systemd/system'), 'this test expects systemd not to be PID 1').toBe(false);
    layers = join(base, 'live');
    for (const name of ['etc', 'usr-local', 'var-lib']) {
      await mkdir(join(layers, name, 'upper'), { recursive: true });
      await mkdir(join(layers, name, 'work'), { recursive: true });
    }
  });

  afterAll(async () => {
    for (const label of [node, `${node}-other`]) {
      const ids = (await runCommand('docker', ['ps', '-aq', '--filter', `label=io.baton.node=${label}`])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await runCommand('docker', ['rm', '-f', ...ids]);
    }
  });

  function inNamespace(command: string): Promise<ShellResult> {
    const overlays = [
      ['/etc', 'etc'],
      ['/usr/local', 'usr-local'],
      ['/var/lib', 'var-lib'],
    ].map(([target, name]) => `mount -t overlay overlay -o lowerdir=${target},upperdir=${layers}/${name}/upper,workdir=${layers}/${name}/work ${target}`);
    return runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${overlays.join(' && ')} && ${command}`], { env: { TMPDIR: work } });
  }

  it('installs and enables the agent, says that nothing was started, and keeps Docker as it is', async () => {
    const result = await inNamespace(`dash ${script} --binary ${binaryV1} --broker mqtt://coordinator:1883 --node ${node}`);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/docker: present/);
    expect(result.stdout).toMatch(/systemd is not running here .*installed and enabled for the next boot; nothing was started/);
    expect(await readFile(layer('usr-local', 'bin/baton-agent'), 'utf8')).toBe(await readFile(binaryV1, 'utf8'));
    expect((await stat(layer('etc', 'baton/agent.env'))).mode & 0o7777).toBe(0o600);
    expect(await readFile(layer('etc', 'baton/agent.env'), 'utf8')).toBe(`BATON_BROKER=mqtt://coordinator:1883\nBATON_NODE=${node}\n`);
    expect(await readFile(layer('etc', 'systemd/system/baton-agent.service'))).toEqual(await readFile(repoUnit));
    expect(await readlink(layer('etc', 'systemd/system/multi-user.target.wants/baton-agent.service'))).toBe('/etc/systemd/system/baton-agent.service');
    expect((await stat(layer('var-lib', 'baton/agent'))).mode & 0o7777).toBe(0o700);
    expect(existsSync('/usr/local/bin/baton-agent')).toBe(false);

    const again = await inNamespace(`dash ${script} --binary ${binaryV1} --broker mqtt://coordinator:1883 --node ${node}`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/up to date: nothing changed/);
  });

  it('--uninstall --purge removes this node\'s containers and no other', async () => {
    const ours = (await mustRun('docker', ['run', '-d', '--label', `io.baton.node=${node}`, 'baton-test/busybox:1', 'sleep', '600'])).trim();
    const other = (await mustRun('docker', ['run', '-d', '--label', `io.baton.node=${node}-other`, 'baton-test/busybox:1', 'sleep', '600'])).trim();
    const result = await inNamespace(`dash ${script} --uninstall --purge`);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`containers: removed 1 labelled io.baton.node=${node}$`, 'm'));
    expect((await runCommand('docker', ['inspect', ours])).code).not.toBe(0);
    expect((await mustRun('docker', ['inspect', '-f', '{{.State.Running}}', other])).trim()).toBe('true');
    const left = await inNamespace('ls -d /usr/local/bin/baton-agent /etc/baton /etc/systemd/system/baton-agent.service /var/lib/baton/agent 2>&1; true');
    expect(left.stdout.split('\n').filter((line) => line !== '' && !line.includes('No such file'))).toEqual([]);
  });
});
