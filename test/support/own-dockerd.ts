import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_IMAGE } from './docker.js';
import { bridgeExists, createBridge } from './private-bridge.js';
import { startProcess, type Running } from './processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/**
 * A private Docker engine for one test, so the test may kill and restart it without
 * touching the machine's own. Everything it owns is its own: a data root, an exec root
 * (never /var/run/docker), a pidfile and a unix socket under one temporary directory,
 * and a bridge this file creates (never docker0, never `--bridge=none`, which would
 * delete the system's docker0). It adds no iptables rules and leaves IP forwarding
 * alone, so the system engine's rules stay as they are; its containers reach each other
 * and the host over the bridge, which is all the tests need.
 *
 * `kill()` is `kill -9` of dockerd (its containerd dies with it; the containers'
 * shims do not). `start()` starts it again on the same data root. `remove()` removes
 * its containers, stops it and deletes the bridge, mounts and directory, whatever state
 * the test left it in.
 */
export interface OwnDockerd {
  /** `unix:///tmp/.../docker.sock`, for the agent's `--docker-host`. */
  readonly host: string;
  readonly bridge: string;
  /** Whether containers outlive the daemon (`--live-restore`). */
  readonly liveRestore: boolean;
  /** The running dockerd's PID, undefined while it is down. */
  pid(): number | undefined;
  /** The `docker` CLI against this engine, output trimmed. */
  docker(...args: string[]): Promise<string>;
  /** SIGKILL to dockerd; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM to dockerd, as `systemctl stop docker` does; resolves once it has shut down. */
  stop(): Promise<void>;
  /** Starts dockerd on the same data root (when down) and waits until it answers. */
  start(): Promise<void>;
  /** SIGSTOP to dockerd: its socket still accepts connections, but nothing answers. */
  freeze(): void;
  /** SIGCONT: it answers again, the calls that waited first. */
  thaw(): void;
  /** Removes everything; idempotent and safe after any failure. */
  remove(): Promise<void>;
}

export interface OwnDockerdOptions {
  /** Keep containers running across a daemon restart (dockerd `--live-restore`). Default false, as Docker's. */
  readonly liveRestore?: boolean;
  /** Images copied from the system engine (`docker save | docker load`); default the test image. */
  readonly images?: readonly string[];
}

const ANSWER_TIMEOUT_MS = 60_000;

const DIR_PREFIX = join(tmpdir(), 'baton-dockerd-');

export async function startOwnDockerd(options: OwnDockerdOptions = {}): Promise<OwnDockerd> {
  await removeOrphanedEngines();
  const dir = await mkdtemp(DIR_PREFIX);
  const bridge = `btn${randomBytes(4).toString('hex')}`; // 11 characters; Linux allows 15
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const liveRestore = options.liveRestore ?? false;
  let daemon: Running | undefined;
  let isRemoved = false;

  const cli = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('docker', ['-H', host, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  };
  const isDown = (): boolean => daemon === undefined || daemon.child.exitCode !== null || daemon.child.signalCode !== null;

  const start = async (): Promise<void> => {
    if (isRemoved) throw new Error('this dockerd was removed');
    if (!isDown()) return;
    const started = startProcess('dockerd', [
      '--config-file', join(dir, 'daemon.json'),
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'dockerd.pid'),
      '--host', host,
      '--bridge', bridge,
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      ...(liveRestore ? ['--live-restore'] : []),
      '--log-level', 'warn',
    ]);
    daemon = started;
    // After a kill the engine first restores its containers (without live-restore it
    // stops each, waiting out its stop timeout), and only then answers.
    await waitFor(`the private dockerd on ${host} to answer\n${started.output()}`, async () => {
      if (started.child.exitCode !== null || started.child.signalCode !== null) throw new Error(`dockerd exited: ${started.output()}`);
      return (await cli('version', '--format', '{{.Server.Version}}').catch(() => '')) !== '';
    }, { timeoutMs: ANSWER_TIMEOUT_MS, intervalMs: 100 });
  };

  const stop = async (): Promise<void> => {
    if (daemon !== undefined && !isDown()) await daemon.stop('SIGTERM');
  };

  const signalDaemon = (signal: NodeJS.Signals): void => {
    if (daemon === undefined || isDown()) throw new Error('the private dockerd is not running');
    daemon.child.kill(signal);
  };

  const kill = async (): Promise<void> => {
    if (daemon !== undefined && !isDown()) await daemon.stop('SIGKILL');
    await forgetContainerd(join(dir, 'exec'));
  };

  const remove = async (): Promise<void> => {
    if (isRemoved) return;
    const problems: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>): Promise<void> => {
      await step().catch((error: unknown) => problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`));
    };
    if (daemon !== undefined && !isDown()) daemon.child.kill('SIGCONT');
    // Containers left running by a killed daemon are only reachable through a daemon:
    // start one again (it restores them), then remove them all through it.
    await attempt('restart for cleanup', start);
    await attempt('remove containers', async () => {
      const ids = (await cli('ps', '-aq')).split('\n').filter((id) => id !== '');
      if (ids.length > 0) await cli('rm', '-f', ...ids);
    });
    isRemoved = true;
    await attempt('stop dockerd', async () => daemon?.stop('SIGTERM'));
    await attempt('kill leftover shims', () => killShimsOf(join(dir, 'exec')));
    await attempt('unmount', () => unmountUnder(dir));
    await attempt('delete bridge', async () => (await bridgeExists(bridge)) && run('ip', ['link', 'del', bridge]));
    await attempt('remove directory', () => rm(dir, { recursive: true, force: true }));
    if (problems.length > 0) throw new Error(`the private dockerd in ${dir} was not cleaned up fully: ${problems.join('; ')}`);
  };

  try {
    await writeFile(join(dir, 'daemon.json'), '{}\n');
    await createBridge(bridge);
    await start();
    for (const image of options.images ?? [TEST_IMAGE]) await copyImage(image, host);
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }

  return {
    host,
    bridge,
    liveRestore,
    pid: () => (isDown() ? undefined : daemon?.pid),
    docker: cli,
    kill,
    stop,
    start,
    freeze: () => signalDaemon('SIGSTOP'),
    thaw: () => signalDaemon('SIGCONT'),
    remove,
  };
}

/**
 * Removes the engines of test runs that were killed before they could clean up: a
 * dockerd of ours whose parent is gone (its parent is then PID 1). An engine of a test
 * still running has its test process as parent and is left alone.
 */
async function removeOrphanedEngines(): Promise<void> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,args=']);
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+dockerd\s(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] !== '1' || match[3] === undefined) continue;
    const args = match[3].split(/\s+/);
    const arg = (name: string): string | undefined => args[args.indexOf(name) + 1];
    const dataRoot = arg('--data-root');
    const bridge = arg('--bridge');
    const host = arg('--host');
    if (dataRoot === undefined || !dataRoot.startsWith(DIR_PREFIX) || bridge === undefined || host === undefined) continue;
    const dir = dataRoot.slice(0, dataRoot.lastIndexOf('/'));
    const pid = Number(match[1]);
    process.kill(pid, 'SIGCONT');
    const ids = await run('docker', ['-H', host, 'ps', '-aq']).then(({ stdout: out }) => out.split('\n').filter((id) => id !== ''), () => []);
    if (ids.length > 0) await run('docker', ['-H', host, 'rm', '-f', ...ids]).catch(() => undefined);
    process.kill(pid, 'SIGTERM');
    await waitFor(`the orphaned dockerd ${pid} to stop`, () => hasEnded(pid), { timeoutMs: 15_000 }).catch(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    });
    await killShimsOf(join(dir, 'exec'));
    await unmountUnder(dir).catch(() => undefined);
    if (await bridgeExists(bridge)) await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `docker save IMAGE | docker -H HOST load`. */
async function copyImage(image: string, host: string): Promise<void> {
  const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('docker', ['-H', host, 'load', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  save.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  load.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  save.stdout.pipe(load.stdin);
  const [[saved], [loaded]] = (await Promise.all([once(save, 'exit'), once(load, 'exit')])) as [[number | null], [number | null]];
  if (saved !== 0 || loaded !== 0) throw new Error(`could not copy ${image} into the private dockerd: ${errors.trim()}`);
}

/**
 * dockerd's own containerd dies with it (its parent-death signal), but may linger as a
 * zombie until something reaps it; a new dockerd that finds the pidfile naming a live
 * PID would wait for that zombie's socket and give up. Waits for the old containerd to
 * be dead or a zombie, then drops its pidfile so the next dockerd starts a fresh one.
 */
async function forgetContainerd(execRoot: string): Promise<void> {
  const pidFile = join(execRoot, 'containerd', 'containerd.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) {
    await waitFor(`the killed dockerd's containerd (PID ${pid}) to end`, () => hasEnded(pid), { timeoutMs: 10_000, intervalMs: 50 });
  }
  await rm(pidFile, { force: true });
}

/** True once the process is gone or a zombie (ended, waiting to be reaped). */
async function hasEnded(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return true;
  // The state follows the parenthesised command name: Z (zombie) or X (dead) have ended.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Kills containerd shims (and so their containers) that still serve this exec root's containerd. */
async function killShimsOf(execRoot: string): Promise<void> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  const address = join(execRoot, 'containerd', 'containerd.sock');
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    if (match[2].includes('containerd-shim') && match[2].includes(address)) {
      try {
        process.kill(Number(match[1]), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

/** Unmounts whatever the engine left mounted under `dir` (its data root is bind-mounted on itself), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    const points = mountinfo
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
      .sort((a, b) => b.length - a.length);
    if (points.length === 0) return;
    for (const point of points) await run('umount', ['-l', point]).catch(() => undefined);
  }
  throw new Error(`mounts are left under ${dir}`);
}
