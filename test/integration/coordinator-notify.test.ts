import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotifyReceiver, type NotifyReceiver } from '../support/notify-receiver.js';
import { freePort } from '../support/ports.js';
import { repoRoot, startProcess, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

/**
 * The built coordinator (`npm run build` first) under a stand-in for systemd
 * (Type=notify, WatchdogSec=1): the notifications arrive on a real unix datagram socket,
 * with the sender's credentials read as systemd reads them.
 */

const WATCHDOG_MS = 1000;

/** True once something accepts a TCP connection on 127.0.0.1:`port`. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('baton-coordinator and systemd notify', () => {
  let dir: string | undefined;
  let receiver: NotifyReceiver | undefined;
  let coordinator: Running | undefined;

  afterEach(async () => {
    await coordinator?.stop('SIGKILL');
    await receiver?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = receiver = coordinator = undefined;
  });

  async function setUp(): Promise<{ receiver: NotifyReceiver; port: number; stateDir: string; env: NodeJS.ProcessEnv }> {
    dir = await mkdtemp(join(tmpdir(), 'baton-coordinator-notify-'));
    receiver = await startNotifyReceiver(join(dir, 'notify.sock'));
    const stateDir = join(dir, 'state');
    return { receiver, port: await freePort(), stateDir, env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) } };
  }

  it('says READY=1 once its broker listens, pings every half watchdog period, and says STOPPING=1 on SIGTERM', async () => {
    const { receiver: log, port, stateDir, env } = await setUp();
    const running = startProgram('baton-coordinator', ['--listen', `127.0.0.1:${port}`, '--state-dir', stateDir], env);
    coordinator = running;

    const ready = await waitFor('READY=1', () => log.with('READY=1')[0], { timeoutMs: 10_000 });
    // As root, systemd-notify sends with the coordinator's PID: systemd takes it as the main process's.
    expect(ready.pid).toBe(running.pid);
    expect(ready.fields).toContain(`MAINPID=${running.pid}`);
    // The broker was up before READY=1 was sent.
    expect(await isListening(port)).toBe(true);

    await waitFor('four watchdog pings', () => log.with('WATCHDOG=1').length >= 4, { timeoutMs: 10_000 });
    const pings = log.with('WATCHDOG=1');
    expect(pings[0]?.at ?? 0).toBeGreaterThanOrEqual(ready.at);
    expect(new Set(pings.map((n) => n.pid))).toEqual(new Set([running.pid]));
    // Every half period: four pings take about 2 s, far less than the 4 s of one per period.
    const spanMs = (pings[3]?.at ?? 0) - (pings[0]?.at ?? 0);
    expect(spanMs).toBeLessThan(3 * WATCHDOG_MS);
    expect(log.with('STOPPING=1')).toEqual([]);

    await running.stop('SIGTERM');
    expect(running.child.exitCode).toBe(0);
    expect(log.with('STOPPING=1').map((n) => n.pid)).toEqual([running.pid]);
    const stoppingAt = log.with('STOPPING=1')[0]?.at ?? 0;
    expect(log.received.filter((n) => n.at > stoppingAt && n.fields.includes('WATCHDOG=1'))).toEqual([]);
  });

  it('as an unprivileged user (the unit\'s DynamicUser), its notifications come from systemd-notify itself: hence NotifyAccess=all', async () => {
    const { receiver: log, port, stateDir, env } = await setUp();
    // The receiver's socket and the state directory must be reachable by nobody.
    await chmod(log.path, 0o777);
    await mkdir(stateDir, { recursive: true });
    await chmod(stateDir, 0o777);
    await chmod(dir ?? '', 0o755);
    // nobody may not be able to read this checkout (a clone in a 0700 folder), so it runs
    // the coordinator bundled with its dependencies into one file, as the single binary does.
    const { bundleProgram } = (await import(`${repoRoot}scripts/binaries/bundle.mjs`)) as { bundleProgram: (program: string, root: string) => Promise<Buffer> };
    const program = join(dir ?? '', 'baton-coordinator.cjs');
    await writeFile(program, await bundleProgram('coordinator', repoRoot), { mode: 0o644 });
    const running = startProcess(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, program, '--listen', `127.0.0.1:${port}`, '--state-dir', stateDir],
      env,
    );
    coordinator = running;

    const ready = await waitFor('READY=1', () => log.with('READY=1')[0] ?? (running.child.exitCode !== null ? fail(running) : undefined), { timeoutMs: 10_000 });
    expect(ready.fields).toContain(`MAINPID=${running.pid}`);
    expect(ready.pid).not.toBe(running.pid);
    await waitFor('two watchdog pings', () => log.with('WATCHDOG=1').length >= 2, { timeoutMs: 10_000 });
    await running.stop('SIGTERM');
    expect(running.child.exitCode).toBe(0);
    expect(log.with('STOPPING=1')).toHaveLength(1);
  });

  it('sends nothing without NOTIFY_SOCKET', async () => {
    const { receiver: log, port, stateDir } = await setUp();
    const running = startProgram('baton-coordinator', ['--listen', `127.0.0.1:${port}`, '--state-dir', stateDir], { NOTIFY_SOCKET: '', WATCHDOG_USEC: String(WATCHDOG_MS * 1000) });
    coordinator = running;
    await waitFor('the broker to listen', () => isListening(port), { timeoutMs: 10_000 });
    await waitFor('the started line', () => running.output().includes('started'), { timeoutMs: 10_000 });
    await running.stop('SIGTERM');
    expect(running.child.exitCode).toBe(0);
    expect(log.received).toEqual([]);
    expect(running.output()).not.toContain('systemd');
  });
});

function fail(running: Running): never {
  throw new Error(`the coordinator exited with ${String(running.child.exitCode)}:\n${running.output()}`);
}
