import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttLink, type LinkBacklog } from '../../protocol/mqtt-link.js';
import { startMosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

/**
 * MqttLink through outages of a real mosquitto: reconnect attempts back off with jitter,
 * and an outage however long queues nothing (publishes resolve false at once, the
 * client's in-flight packets, offline queue and outgoing store stay empty).
 */

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function daemonLink(url: string, extra: Partial<ConstructorParameters<typeof MqttLink>[0]> = {}): MqttLink {
  const link = new MqttLink({ url, clientId: `test-link-${randomBytes(4).toString('hex')}`, reconnect: true, ...extra });
  cleanups.push(() => link.stop({ timeoutMs: 500 }));
  return link;
}

const EMPTY: LinkBacklog = { inFlight: 0, queued: 0, stored: 0 };

/** Publishes every few ms until `until` is true; returns the slowest publish and every backlog seen. */
async function publishThrough(link: MqttLink, until: () => boolean): Promise<{ results: boolean[]; slowestMs: number; backlogs: LinkBacklog[] }> {
  const results: boolean[] = [];
  const backlogs: LinkBacklog[] = [];
  let slowestMs = 0;
  while (!until()) {
    const started = performance.now();
    results.push(await link.publish('baton-test/link/status', `snapshot ${results.length}`, { retain: true }));
    slowestMs = Math.max(slowestMs, performance.now() - started);
    if (results.length % 20 === 0) backlogs.push(await link.backlog());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { results, slowestMs, backlogs };
}

describe('MqttLink outages', () => {
  it('backs off between reconnect attempts: the waits double, jittered within [ceiling/2, ceiling]', async () => {
    // A TCP server that hangs up on every connection: each attempt fails at once, so the
    // time between two accepts is the link's wait.
    const accepts: number[] = [];
    const server: Server = createServer((socket) => {
      accepts.push(performance.now());
      socket.destroy();
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));

    const link = daemonLink(`mqtt://127.0.0.1:${port}`, { reconnectPolicy: { initialMs: 100, maxMs: 800, stableMs: 60_000 } });
    await link.start();
    await waitFor('six connection attempts', () => accepts.length >= 6, { timeoutMs: 10_000, intervalMs: 20 });
    const gaps = accepts.slice(1, 6).map((at, i) => at - (accepts[i] ?? 0));
    const ceilings = [100, 200, 400, 800, 800];
    gaps.forEach((gap, i) => {
      const ceiling = ceilings[i] ?? 0;
      expect(gap, `wait ${i + 1} of ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(ceiling / 2 - 10);
      expect(gap, `wait ${i + 1} of ${gaps.map(Math.round).join(', ')} ms`).toBeLessThanOrEqual(ceiling + 300);
    });
  });

  it('while its broker is down, publishes resolve false at once and nothing is kept; it reconnects when the broker is back', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const link = daemonLink(broker.url, { reconnectPolicy: { initialMs: 200, maxMs: 800, stableMs: 60_000 } });
    let connects = 0;
    link.onConnect(() => (connects += 1));
    await link.start();
    await waitFor('the first connection', () => connects === 1);
    expect(await link.publish('baton-test/link/status', 'before', { retain: true })).toBe(true);

    await broker.stop();
    await waitFor('the link to see the broker gone', () => !link.isConnected);
    const outageEnds = performance.now() + 2000;
    const during = await publishThrough(link, () => performance.now() > outageEnds);
    expect(during.results.length).toBeGreaterThan(200);
    expect(during.results.every((sent) => !sent)).toBe(true);
    expect(during.slowestMs).toBeLessThan(20);
    expect(during.backlogs.length).toBeGreaterThan(10);
    expect(during.backlogs.filter((b) => b.inFlight + b.queued + b.stored > 0)).toEqual([]);

    const again = await startMosquitto({ port: broker.port });
    cleanups.push(() => again.stop());
    await waitFor('the link to reconnect', () => connects === 2, { timeoutMs: 5000, intervalMs: 20 });
    expect(await link.publish('baton-test/link/status', 'after', { retain: true })).toBe(true);
    expect(await link.backlog()).toEqual(EMPTY);
  });

  it('drops what a silent connection held once it is declared dead, and never replays it', async () => {
    const broker = await startMosquitto();
    cleanups.push(async () => {
      broker.child.kill('SIGCONT');
      await broker.stop();
    });
    const link = daemonLink(broker.url, { keepaliveSeconds: 1, connectTimeoutMs: 1000, reconnectPolicy: { initialMs: 200, maxMs: 400, stableMs: 60_000 } });
    let connects = 0;
    link.onConnect(() => (connects += 1));
    await link.start();
    await waitFor('the first connection', () => connects === 1);

    // A frozen broker keeps the TCP connection open and acknowledges nothing, as after a
    // silent Wi-Fi cut: the client believes it is connected until the keep-alive runs out.
    broker.child.kill('SIGSTOP');
    const pending: Promise<boolean>[] = [];
    let peak = 0;
    const frozenAt = performance.now();
    while (link.isConnected) {
      pending.push(link.publish('baton-test/link/status', `held ${pending.length}`, { retain: true }));
      peak = Math.max(peak, (await link.backlog()).inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(performance.now() - frozenAt, 'the keep-alive (1 s) to declare the connection dead').toBeLessThan(4000);
    }
    expect(peak).toBeGreaterThan(10);
    // Every publish held by the dead connection settles as not delivered; none hangs.
    const settled = await Promise.all(pending);
    expect(settled.filter((sent) => sent)).toEqual([]);
    expect(await link.backlog()).toEqual(EMPTY);

    // Down (each attempt waits for a CONNACK that never comes): still nothing kept.
    const downUntil = performance.now() + 1500;
    const during = await publishThrough(link, () => performance.now() > downUntil);
    expect(during.results.every((sent) => !sent)).toBe(true);
    expect(during.backlogs.filter((b) => b.inFlight + b.queued + b.stored > 0)).toEqual([]);

    broker.child.kill('SIGCONT');
    await waitFor('the link to reconnect', () => connects >= 2, { timeoutMs: 10_000, intervalMs: 20 });
    expect(await link.publish('baton-test/link/status', 'after', { retain: true })).toBe(true);
    expect(await link.backlog()).toEqual(EMPTY);
  });
});
