import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { isLoopAlive, notifySettings, SdNotify, type NotifySend } from './sd-notify.js';

const log = createLogger('sd-notify-test', 'silent');

describe('notifySettings', () => {
  it.each([
    { name: 'no NOTIFY_SOCKET: nothing is sent', env: {}, expected: undefined },
    { name: 'an empty NOTIFY_SOCKET: nothing is sent', env: { NOTIFY_SOCKET: '', WATCHDOG_USEC: '30000000' }, expected: undefined },
    { name: 'a socket and no watchdog', env: { NOTIFY_SOCKET: '/run/systemd/notify' }, expected: { socket: '/run/systemd/notify' } },
    { name: 'a watchdog of 30 s', env: { NOTIFY_SOCKET: '@notify', WATCHDOG_USEC: '30000000' }, expected: { socket: '@notify', watchdogMs: 30_000 } },
    { name: 'a watchdog for this process', env: { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '4242' }, expected: { socket: '@n', watchdogMs: 2000 } },
    { name: 'a watchdog inherited from another process is not ours', env: { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' }, expected: { socket: '@n' } },
    { name: 'a watchdog of 0 is none', env: { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '0' }, expected: { socket: '@n' } },
    { name: 'a malformed watchdog is none', env: { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '30s' }, expected: { socket: '@n' } },
  ])('$name', ({ env, expected }) => {
    expect(notifySettings(env, 4242)).toEqual(expected);
  });
});

describe('isLoopAlive', () => {
  it.each([
    { name: 'idle', busySince: undefined, now: 1_000_000, expected: true },
    { name: 'in a pass begun just now', busySince: 999_000, now: 1_000_000, expected: true },
    { name: 'in a pass begun just under the limit', busySince: 970_001, now: 1_000_000, expected: true },
    { name: 'in a pass begun a whole limit ago', busySince: 970_000, now: 1_000_000, expected: false },
    { name: 'in a pass begun an hour ago', busySince: 1_000_000 - 3600_000, now: 1_000_000, expected: false },
  ])('$name', ({ busySince, now, expected }) => {
    expect(isLoopAlive(busySince, now, 30_000)).toBe(expected);
  });
});

describe('SdNotify', () => {
  let sent: string[];
  let alive: boolean;
  const send: NotifySend = async (fields) => {
    sent.push(fields.join(' '));
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    alive = true;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const pings = (): number => sent.filter((s) => s === 'WATCHDOG=1').length;

  it('says ready, pings every half watchdog period while the loop is alive, none while it is stuck, and stops with STOPPING=1', async () => {
    const notifier = new SdNotify({ settings: { socket: '@n', watchdogMs: 10_000 }, send, isAlive: () => alive, log });
    notifier.ready();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['READY=1']);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pings()).toBe(4);
    alive = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pings()).toBe(4);
    alive = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(pings()).toBe(5);
    await notifier.stopping();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.at(-1)).toBe('STOPPING=1');
    expect(pings()).toBe(5);
  });

  it('sends only READY=1 and STOPPING=1 without a watchdog, and never more than one ping at a time', async () => {
    const notifier = new SdNotify({ settings: { socket: '@n' }, send, isAlive: () => alive, log });
    notifier.ready();
    await vi.advanceTimersByTimeAsync(120_000);
    await notifier.stopping();
    expect(sent).toEqual(['READY=1', 'STOPPING=1']);

    let pending = 0;
    let release: () => void = () => undefined;
    const slow = new SdNotify({
      settings: { socket: '@n', watchdogMs: 1000 },
      send: (fields) => {
        if (fields[0] !== 'WATCHDOG=1') return Promise.resolve();
        pending++;
        return new Promise((resolve) => (release = resolve));
      },
      isAlive: () => true,
      log,
    });
    slow.ready();
    await vi.advanceTimersByTimeAsync(5000);
    expect(pending).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(500);
    expect(pending).toBe(2);
    release();
    await slow.stopping();
  });

  it('runs on when a notification cannot be sent', async () => {
    const notifier = new SdNotify({ settings: { socket: '@n', watchdogMs: 1000 }, send: () => Promise.reject(new Error('spawn systemd-notify ENOENT')), isAlive: () => true, log });
    notifier.ready();
    await vi.advanceTimersByTimeAsync(3000);
    await expect(notifier.stopping()).resolves.toBeUndefined();
  });
});
