import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.js';
import { waitFor } from '../../test/support/wait.js';
import { probeTcp } from './tcp-prober.js';

const servers: Server[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/**
 * A port whose connections never open: a real listener (a perl process, since Node
 * always accepts) with a backlog of one that never accepts, filled up first; the
 * kernel then drops further SYNs, so a connect hangs as it would to a wedged pod.
 */
async function fullListener(): Promise<number> {
  const script = '$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1) or die "$!"; $| = 1; print $s->sockport, "\\n"; sleep 60';
  const child = spawn('perl', ['-MIO::Socket::INET', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill());
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  // Linux queues backlog + 1 connections that no one accepts; after those, SYNs are dropped.
  for (let i = 0; i < 2; i++) {
    const filler = connect(port, '127.0.0.1');
    cleanups.push(() => filler.destroy());
    await new Promise<void>((resolve, reject) => {
      filler.once('connect', resolve);
      filler.once('error', reject);
    });
  }
  return port;
}

/** A real TCP server on loopback that counts the connections it accepted and saw closed. */
async function listen(): Promise<{ port: number; accepted: number; closed: number }> {
  const state = { accepted: 0, closed: 0 };
  const server = createServer((socket) => {
    state.accepted++;
    socket.on('close', () => state.closed++);
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { port: (server.address() as AddressInfo).port });
}

describe('probeTcp', () => {
  it('succeeds when the port accepts, and closes the connection', async () => {
    const server = await listen();
    expect(await probeTcp({ host: '127.0.0.1', port: server.port, timeoutMs: 1000 })).toEqual({ success: true, message: `connected to 127.0.0.1:${server.port}` });
    await waitFor('the probe connection to close', () => server.accepted === 1 && server.closed === 1, { timeoutMs: 2000, intervalMs: 10 });
  });

  it('fails when nothing listens, with kubelet\'s message', async () => {
    const port = await freePort();
    expect(await probeTcp({ host: '127.0.0.1', port, timeoutMs: 1000 })).toEqual({
      success: false,
      message: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it('fails at its timeout when the connection never opens', async () => {
    const port = await fullListener();
    const started = Date.now();
    const outcome = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 300 });
    const took = Date.now() - started;
    expect(outcome).toEqual({ success: false, message: `dial tcp 127.0.0.1:${port}: i/o timeout` });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
  });

  it('ends at once when its signal aborts', async () => {
    const port = await fullListener();
    const controller = new AbortController();
    const started = Date.now();
    const pending = probeTcp({ host: '127.0.0.1', port, timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ success: false, message: `dial tcp 127.0.0.1:${port}: probe canceled` });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not connect at all with a signal already aborted', async () => {
    const server = await listen();
    const outcome = await probeTcp({ host: '127.0.0.1', port: server.port, timeoutMs: 1000, signal: AbortSignal.abort() });
    expect(outcome.success).toBe(false);
    expect(server.accepted).toBe(0);
  });
});
