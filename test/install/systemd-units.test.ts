import { execFile } from 'node:child_process';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/processes.js';

/**
 * The unit files of systemd/, as shipped, checked by systemd's own tools (252, as on
 * Raspberry Pi OS Bookworm). `systemd-analyze verify` needs every ExecStart program and
 * the targets the units name to exist, and systemd is not running here, so each check
 * gets a scratch root: this machine's own system units (the targets, docker.service),
 * the repository's units unchanged in DIR/etc/systemd/system, and an empty stand-in for
 * each program their ExecStart= lines name. `verify` exits 0 on an unknown or malformed
 * directive (it only warns, and the directive is ignored), so a clean result is exit 0
 * and nothing said.
 */

const run = promisify(execFile);
const UNIT_DIR = join(repoRoot, 'systemd');
const SYSTEM_UNITS = '/lib/systemd/system';

type Unit = Map<string, Map<string, string[]>>;

/** A unit file's directives by section; a key given several times keeps every value, in order. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1] ?? '', section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq < 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

function values(unit: Unit, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** The programs the unit runs: the first word of each Exec*= line, without its prefixes. */
function programs(unit: Unit): string[] {
  const service = unit.get('Service') ?? new Map<string, string[]>();
  return [...service.entries()]
    .filter(([key]) => key.startsWith('Exec'))
    .flatMap(([, lines]) => lines.map((line) => line.replace(/^[-@:+!]+/, '').split(/\s+/)[0] ?? ''));
}

async function shippedUnits(): Promise<Map<string, string>> {
  const names = (await readdir(UNIT_DIR)).filter((name) => name.endsWith('.service')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(UNIT_DIR, name), 'utf8')] as const)));
}

let roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
  roots = [];
});

/** A scratch root holding `units` (name -> text) and a stand-in for each program they run. */
async function makeRoot(units: ReadonlyMap<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'baton-units-'));
  roots.push(root);
  await cp(SYSTEM_UNITS, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  for (const [name, text] of units) {
    await writeFile(join(root, 'etc/systemd/system', name), text);
    for (const program of programs(parseUnit(text))) {
      await mkdir(join(root, dirname(program)), { recursive: true });
      await writeFile(join(root, program), '#!/bin/sh\nexit 0\n');
      await chmod(join(root, program), 0o755);
    }
  }
  return root;
}

async function analyze(args: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('systemd-analyze', [...args]);
    return { code: 0, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim() };
  }
}

async function verify(units: ReadonlyMap<string, string>): Promise<{ code: number; output: string }> {
  const root = await makeRoot(units);
  return analyze(['verify', `--root=${root}`, ...units.keys()]);
}

describe('the systemd units', () => {
  it('are the three units the installers rely on', async () => {
    expect([...(await shippedUnits()).keys()]).toEqual(['baton-agent.service', 'baton-coordinator.service', 'baton-install-docker.service']);
  });

  it('pass systemd-analyze verify without a word, each and together', async () => {
    const units = await shippedUnits();
    for (const [name, text] of units) {
      expect({ name, ...(await verify(new Map([[name, text]]))) }).toEqual({ name, code: 0, output: '' });
    }
    expect(await verify(units)).toEqual({ code: 0, output: '' });
  });

  it('fail verify when a directive is misspelt, malformed, or the program is missing', async () => {
    const agent = (await shippedUnits()).get('baton-agent.service') ?? '';
    const misspelt = await verify(new Map([['baton-agent.service', agent.replace(/^WatchdogSec=/m, 'WatchdogSek=')]]));
    expect(misspelt.output).toContain("Unknown key 'WatchdogSek'");
    const malformed = await verify(new Map([['baton-agent.service', agent.replace(/^KillMode=process$/m, 'KillMode=proces')]]));
    expect(malformed.output).toMatch(/kill mode/i);

    const root = await makeRoot(new Map([['baton-agent.service', agent]]));
    await rm(join(root, 'usr/local/bin/baton-agent'));
    const missing = await analyze(['verify', `--root=${root}`, 'baton-agent.service']);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('/usr/local/bin/baton-agent is not executable');
  });

  it('enable offline into multi-user.target, as the installers do with systemctl --root', async () => {
    const units = await shippedUnits();
    const root = await makeRoot(units);
    await run('systemctl', [`--root=${root}`, 'enable', ...units.keys()]);
    for (const name of units.keys()) {
      const link = join(root, 'etc/systemd/system/multi-user.target.wants', name);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(`/etc/systemd/system/${name}`);
    }
  });
});

describe('baton-agent.service', () => {
  it('is a notify service with a watchdog that leaves the containers to Docker when it stops', async () => {
    const unit = parseUnit((await shippedUnits()).get('baton-agent.service') ?? '');
    const service = (key: string): string[] => values(unit, 'Service', key);
    expect(service('Type')).toEqual(['notify']);
    expect(service('WatchdogSec')).toEqual(['60']);
    expect(service('NotifyAccess')).toEqual(['all']);
    expect(service('WatchdogSignal')).toEqual(['SIGKILL']);
    expect(service('Restart')).toEqual(['always']);
    expect(service('KillMode')).toEqual(['process']);
    expect(service('ExecStart')).toEqual(['/usr/local/bin/baton-agent']);
    expect(service('EnvironmentFile')).toEqual(['-/etc/baton/agent.env']);
    expect(service('StateDirectory')).toEqual(['baton/agent']);
    expect(service('Environment')).toContain('BATON_STATE_DIR=/var/lib/baton/agent');
    for (const key of ['After', 'Wants']) {
      expect(values(unit, 'Unit', key).join(' ').split(/\s+/)).toEqual(expect.arrayContaining(['docker.service', 'network-online.target']));
    }
    expect(values(unit, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
  });

  it('runs as root with the OS read-only, but sees /tmp, /home and /dev as Docker does (hostPath volumes)', async () => {
    const unit = parseUnit((await shippedUnits()).get('baton-agent.service') ?? '');
    const service = (key: string): string[] => values(unit, 'Service', key);
    expect(service('User')).toEqual([]);
    expect(service('DynamicUser')).toEqual([]);
    expect(service('ProtectSystem')).toEqual(['full']);
    expect(service('NoNewPrivileges')).toEqual(['yes']);
    for (const key of ['PrivateTmp', 'ProtectHome', 'PrivateDevices', 'ProtectKernelModules', 'ProtectKernelLogs', 'UMask', 'SystemCallArchitectures', 'MemoryDenyWriteExecute']) {
      expect({ key, values: service(key) }).toEqual({ key, values: [] });
    }
  });
});

describe('baton-coordinator.service', () => {
  it('is a notify service with a watchdog, its own user, the OS read-only and the broker and installer ports set', async () => {
    const unit = parseUnit((await shippedUnits()).get('baton-coordinator.service') ?? '');
    const service = (key: string): string[] => values(unit, 'Service', key);
    expect(service('Type')).toEqual(['notify']);
    expect(service('WatchdogSec')).toEqual(['60']);
    expect(service('NotifyAccess')).toEqual(['all']);
    expect(service('Restart')).toEqual(['always']);
    expect(service('DynamicUser')).toEqual(['yes']);
    expect(service('StateDirectory')).toEqual(['baton/coordinator']);
    expect(service('ProtectSystem')).toEqual(['strict']);
    expect(service('ProtectHome')).toEqual(['yes']);
    expect(service('PrivateTmp')).toEqual(['yes']);
    expect(service('NoNewPrivileges')).toEqual(['yes']);
    expect(service('CapabilityBoundingSet')).toEqual(['']);
    expect(service('ExecStart')).toEqual(['/usr/local/bin/baton-coordinator']);
    expect(service('EnvironmentFile')).toEqual(['-/etc/baton/coordinator.env']);
    expect(service('Environment')).toEqual(
      expect.arrayContaining(['BATON_STATE_DIR=/var/lib/baton/coordinator', 'BATON_LISTEN=0.0.0.0:1883', 'BATON_HTTP=0.0.0.0:8484']),
    );
    expect(values(unit, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
  });
});

describe('baton-install-docker.service', () => {
  it('installs docker.io once, after the network and before the agent', async () => {
    const unit = parseUnit((await shippedUnits()).get('baton-install-docker.service') ?? '');
    expect(values(unit, 'Unit', 'ConditionPathExists')).toEqual(['!/usr/bin/dockerd']);
    expect(values(unit, 'Unit', 'After')).toEqual(['network-online.target']);
    expect(values(unit, 'Unit', 'Wants')).toEqual(['network-online.target']);
    expect(values(unit, 'Unit', 'Before')).toEqual(['baton-agent.service']);
    expect(values(unit, 'Service', 'Type')).toEqual(['oneshot']);
    const commands = values(unit, 'Service', 'ExecStart').map((line) => line.split(/\s+/).filter((word) => !word.startsWith('-o') && !word.startsWith('DPkg::')));
    expect(commands).toEqual([
      ['/usr/bin/apt-get', 'update'],
      ['/usr/bin/apt-get', 'install', '-y', 'docker.io'],
    ]);
    expect(values(unit, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
  });
});

describe('exposure (systemd-analyze security --offline)', () => {
  // The scores as hardened, so a change that loosens a unit shows here; see docs/systemd.md
  // for what each unit leaves open and why.
  it.each([
    { name: 'baton-agent.service', atMost: 5.4 },
    { name: 'baton-coordinator.service', atMost: 3.4 },
  ])('$name is at most $atMost', async ({ name, atMost }) => {
    const units = await shippedUnits();
    const root = await makeRoot(units);
    const { output } = await analyze(['security', '--offline=yes', `--root=${root}`, name]);
    const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(output)?.[1]);
    expect(score).toBeLessThanOrEqual(atMost);
  });
});
