import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import { startNotifyReceiver, type NotifyReceiver } from '../support/notify-receiver.js';
import { freePort } from '../support/ports.js';
import { startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltAgent, uniqueNode } from './agent-harness.js';

/**
 * The built agent under a stand-in for systemd (Type=notify, WatchdogSec=1): the
 * notifications arrive on a real unix datagram socket, with the sender's credentials
 * read as systemd reads them. The Docker engine is reached through a relay the test can
 * freeze, which hangs the agent's reconcile loop on its next call.
 */

const WATCHDOG_MS = 1000;

describe('baton-agent and systemd notify', () => {
  let dir: string | undefined;
  let receiver: NotifyReceiver | undefined;
  let proxy: FreezableProxy | undefined;
  let agent: Running | undefined;

  beforeAll(() => requireBuiltAgent());

  afterEach(async () => {
    proxy?.thaw();
    await agent?.stop('SIGKILL');
    await proxy?.stop();
    await receiver?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = receiver = proxy = agent = undefined;
  });

  it('says READY=1 as its own process, pings while its loop is alive, not while the loop hangs, again once it moves, and says STOPPING=1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-sd-notify-'));
    receiver = await startNotifyReceiver(join(dir, 'notify.sock'));
    proxy = await startFreezableProxy(join(dir, 'docker.sock'), '/var/run/docker.sock');
    // No broker listens there: the agent runs offline, as on a Pi that boots without network.
    const broker = `mqtt://127.0.0.1:${await freePort()}`;
    const running = startProgram(
      'baton-agent',
      ['--node', uniqueNode('sdn'), '--broker', broker, '--state-dir', join(dir, 'state'), '--docker-host', `unix://${proxy.path}`, '--resync', '200ms'],
      { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) },
    );
    agent = running;
    const log = receiver;

    const ready = await waitFor('READY=1', () => log.with('READY=1')[0], { timeoutMs: 10_000 });
    // The kernel vouches for the agent's PID: systemd takes it as the main process's message.
    expect(ready.pid).toBe(running.pid);
    expect(ready.fields).toContain(`MAINPID=${running.pid}`);
    await waitFor('four watchdog pings', () => log.with('WATCHDOG=1').length >= 4, { timeoutMs: 10_000 });
    expect(new Set(log.with('WATCHDOG=1').map((n) => n.pid))).toEqual(new Set([running.pid]));

    proxy.freeze();
    const frozenAt = Date.now();
    // A ping is due every 500 ms; once a pass has hung for the watchdog period, none comes.
    const lastPing = (): number => log.with('WATCHDOG=1').at(-1)?.at ?? 0;
    await waitFor('the pings to stop', () => Date.now() - lastPing() > 3 * WATCHDOG_MS, { timeoutMs: 10_000, intervalMs: 50 });
    expect(lastPing() - frozenAt).toBeLessThan(2 * WATCHDOG_MS);
    expect(running.output()).toContain('LoopStalled');

    proxy.thaw();
    const thawedAt = Date.now();
    await waitFor('a ping after the loop moves again', () => lastPing() > thawedAt, { timeoutMs: 10_000 });

    await running.stop('SIGTERM');
    expect(running.child.exitCode).toBe(0);
    expect(log.with('STOPPING=1').map((n) => n.pid)).toEqual([running.pid]);
  });
});
