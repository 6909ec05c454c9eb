import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { podSpecSchema, type ContainerSpec } from '../../protocol/manifest.js';
import { createLogger } from '../../protocol/log.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { ExecError, type ExecResult } from '../runtime/runtime.js';
import { ProbeManager, type ProbeTarget } from './probe-manager.js';

type Emitted = Parameters<ConstructorParameters<typeof ProbeManager>[0]['events']['emit']>[0];

const log = createLogger('probe-manager-test', 'silent');

let runtime: FakeRuntime;
let events: Emitted[];
let changes: number;
let manager: ProbeManager;
const servers: http.Server[] = [];

beforeEach(() => {
  // Only the clock and timeouts are fake; sockets and promises stay real.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  runtime = new FakeRuntime({ images: ['app:1'] });
  events = [];
  changes = 0;
  manager = new ProbeManager({ runtime, events: { emit: (e) => events.push(e) }, log, onChange: () => changes++, clock: { wall: () => Date.now(), mono: () => Date.now() } });
});

afterEach(async () => {
  // Runs still in flight end at their timeouts, which only fake time brings.
  const stopping = manager.stop();
  await vi.advanceTimersByTimeAsync(60_000);
  await stopping;
  vi.useRealTimers();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function container(fields: Record<string, unknown>): ContainerSpec {
  const spec = podSpecSchema.parse({ containers: [{ name: 'app', image: 'app:1', ...fields }] }).containers[0];
  if (spec === undefined) throw new Error('no container');
  return spec;
}

async function runningContainer(): Promise<string> {
  const id = await runtime.createContainer({ name: `app-${Math.random()}`, image: 'app:1', labels: {}, env: [], ports: [] });
  await runtime.startContainer(id);
  return id;
}

function target(containerId: string, spec: ContainerSpec, fields: Partial<ProbeTarget> = {}): ProbeTarget {
  return { containerId, pod: 'web', podUid: 'uid-1', container: spec.name, spec, startedAt: Date.now(), address: '127.0.0.1', ...fields };
}

/** Answers exec probes per command: `ok` exits 0, anything else exits 1 with `<command>: failed`. */
function execAnswers(ok: (command: string) => boolean): string[] {
  const seen: string[] = [];
  runtime.execHandler = (_id, command): ExecResult => {
    const name = command.join(' ');
    seen.push(name);
    return ok(name) ? { exitCode: 0, output: '' } : { exitCode: 1, output: `${name}: failed` };
  };
  return seen;
}

async function advance(seconds: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(seconds * 1000);
}

/** A real HTTP server on loopback; `status` is what it answers now, `hang` makes it never answer. */
async function httpServer(): Promise<{ port: number; status: number; hang: boolean; requests: number; open: number; closed: number }> {
  const state = { status: 200, hang: false, requests: 0, open: 0, closed: 0 };
  const server = http.createServer((_req, res) => {
    state.requests++;
    if (state.hang) return;
    res.statusCode = state.status;
    res.end();
  });
  server.on('connection', (socket) => {
    state.open++;
    socket.on('close', () => {
      state.open--;
      state.closed++;
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { port: (server.address() as AddressInfo).port });
}

const unhealthy = (message: string): Emitted => ({ type: 'Warning', reason: 'Unhealthy', message, pod: 'web', container: 'app' });

describe('ProbeManager', () => {
  it('shows a container without probes started and ready at once, with no timer', async () => {
    const id = await runningContainer();
    manager.sync([target(id, container({}))]);
    expect(manager.view(id)).toEqual({ started: true, ready: true });
    expect(vi.getTimerCount()).toBe(0);
    expect(manager.view('other')).toBeUndefined();
  });

  it('holds liveness and readiness back until the startup probe succeeds, then stops it', async () => {
    let booted = false;
    const seen = execAnswers((command) => command !== 'startup' || booted);
    const id = await runningContainer();
    const spec = container({
      startupProbe: { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 30 },
      livenessProbe: { exec: { command: ['liveness'] }, periodSeconds: 1 },
      readinessProbe: { exec: { command: ['readiness'] }, periodSeconds: 1 },
    });
    manager.sync([target(id, spec)]);
    expect(manager.view(id)).toEqual({ started: false, ready: false });

    await advance(4.5);
    expect(seen).toEqual(['startup', 'startup', 'startup', 'startup', 'startup']);
    expect(manager.view(id)).toEqual({ started: false, ready: false });
    expect(events).toHaveLength(5);
    expect(events[0]).toEqual(unhealthy('Startup probe failed: startup: failed'));
    expect(changes).toBe(0);

    booted = true;
    seen.length = 0;
    await advance(1);
    // Startup succeeded at 5 s; liveness and readiness ran at once, and view changed twice (started, then ready).
    expect(seen).toEqual(['startup', 'liveness', 'readiness']);
    expect(manager.view(id)).toEqual({ started: true, ready: true });
    expect(changes).toBe(2);

    seen.length = 0;
    await advance(3);
    expect(seen.filter((c) => c === 'startup')).toEqual([]);
    expect(seen.filter((c) => c === 'liveness')).toHaveLength(3);
  });

  it('sets failed after failureThreshold liveness failures in a row, and probes liveness no more', async () => {
    const seen = execAnswers(() => false);
    const id = await runningContainer();
    manager.sync([target(id, container({ livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5 } }))]);

    await advance(4.9);
    expect(seen).toEqual([]);
    await advance(0.1);
    expect(seen).toHaveLength(1);
    await advance(5);
    expect(manager.view(id)).toEqual({ started: true, ready: true });
    expect(changes).toBe(0);

    await advance(5);
    expect(manager.view(id)).toEqual({ started: true, ready: true, failed: { probe: 'liveness', message: 'cat /tmp/healthy: failed' } });
    expect(changes).toBe(1);
    expect(events).toEqual([1, 2, 3].map(() => unhealthy('Liveness probe failed: cat /tmp/healthy: failed')));

    await advance(60);
    expect(seen).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
    expect(manager.view(id)?.failed?.probe).toBe('liveness');
  });

  it('sets failed when the startup probe never succeeds', async () => {
    execAnswers(() => false);
    const id = await runningContainer();
    manager.sync([target(id, container({ startupProbe: { exec: { command: ['boot'] }, periodSeconds: 1, failureThreshold: 2 }, livenessProbe: { exec: { command: ['live'] } } }))]);
    await advance(1);
    expect(manager.view(id)).toEqual({ started: false, ready: false, failed: { probe: 'startup', message: 'boot: failed' } });
    expect(changes).toBe(1);
  });

  it('keeps failed set even when later syncs list the container again', async () => {
    execAnswers(() => false);
    const id = await runningContainer();
    const spec = container({ livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 } });
    const t = target(id, spec);
    manager.sync([t]);
    await advance(0);
    expect(manager.view(id)?.failed).toEqual({ probe: 'liveness', message: 'live: failed' });
    manager.sync([t]);
    await advance(5);
    expect(manager.view(id)?.failed).toEqual({ probe: 'liveness', message: 'live: failed' });
  });

  it('flips ready both ways with an httpGet readiness probe against a real server', async () => {
    const server = await httpServer();
    const id = await runningContainer();
    const spec = container({
      ports: [{ name: 'http', containerPort: server.port }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
    });
    manager.sync([target(id, spec)]);
    expect(manager.view(id)?.ready).toBe(false);
    await advance(0);
    await vi.waitFor(() => expect(manager.view(id)?.ready).toBe(true));
    expect(changes).toBe(1);

    server.status = 503;
    await advance(2);
    await vi.waitFor(() => expect(server.requests).toBe(2));
    await vi.waitFor(() => expect(events).toEqual([unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503')]));
    // One failure is below the threshold of 2.
    expect(manager.view(id)?.ready).toBe(true);
    await advance(2);
    await vi.waitFor(() => expect(manager.view(id)?.ready).toBe(false));
    expect(changes).toBe(2);

    server.status = 200;
    await advance(2);
    await vi.waitFor(() => expect(manager.view(id)?.ready).toBe(true));
    expect(changes).toBe(3);

    // Unchanged results do not wake the agent.
    await advance(2);
    await vi.waitFor(() => expect(server.requests).toBe(5));
    await advance(2);
    await vi.waitFor(() => expect(server.requests).toBe(6));
    expect(changes).toBe(3);
  });

  it('never runs a hung exec probe twice at once, and ends each run at its timeout', async () => {
    let begun = 0;
    runtime.execHandler = () => {
      begun++;
      return new Promise(() => undefined);
    };
    const id = await runningContainer();
    manager.sync([target(id, container({ readinessProbe: { exec: { command: ['hang'] }, periodSeconds: 1, timeoutSeconds: 3 } }))]);
    const ended = (): number => events.length;
    for (let tenth = 0; tenth <= 100; tenth++) {
      if (tenth > 0) await advance(0.1);
      expect(begun - ended()).toBeLessThanOrEqual(1);
    }
    // Runs began at 0, 3, 6 and 9 s; the first three timed out at 3, 6 and 9 s.
    expect(begun).toBe(4);
    expect(events).toEqual([1, 2, 3].map(() => unhealthy('Readiness probe failed: command timed out')));
  });

  it('never holds two connections to a hung HTTP endpoint, and closes each at its timeout', async () => {
    const server = await httpServer();
    server.hang = true;
    const id = await runningContainer();
    manager.sync([target(id, container({ livenessProbe: { httpGet: { port: server.port }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 10 } }))]);
    await advance(0);
    await vi.waitFor(() => expect(server.requests).toBe(1));
    await advance(1.9);
    expect(server.closed).toBe(0);
    await advance(0.1);
    // Timed out at 2 s: the connection is closed, and the next run (due at 2 s) opened one.
    await vi.waitFor(() => expect(server.closed).toBe(1));
    await vi.waitFor(() => expect(server.requests).toBe(2));
    expect(events).toEqual([unhealthy(`Liveness probe failed: Get "http://127.0.0.1:${server.port}/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)]);
    await advance(2);
    await vi.waitFor(() => expect(server.requests).toBe(3));
    await vi.waitFor(() => expect(server.closed).toBe(2));
    // A run started at every missed second would have opened more by now.
    expect(server.requests).toBe(3);
    expect(server.open).toBe(1);
  });

  it('fails httpGet and tcpSocket probes clearly while the pod has no address, and uses one once known', async () => {
    const server = await httpServer();
    const id = await runningContainer();
    const spec = container({ readinessProbe: { tcpSocket: { port: server.port }, periodSeconds: 1 } });
    manager.sync([target(id, spec, { address: undefined })]);
    await advance(0);
    expect(events).toEqual([unhealthy('Readiness probe failed: the pod has no IP address yet')]);
    manager.sync([target(id, spec, { address: '127.0.0.1' })]);
    await advance(1);
    await vi.waitFor(() => expect(manager.view(id)?.ready).toBe(true));
  });

  it('is idempotent: a repeated sync keeps the workers, their results and one timer', async () => {
    execAnswers(() => true);
    const id = await runningContainer();
    const t = target(id, container({ readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 10 } }));
    manager.sync([t]);
    await advance(0);
    expect(manager.view(id)?.ready).toBe(true);
    for (let i = 0; i < 5; i++) manager.sync([t]);
    expect(manager.view(id)?.ready).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('stops the timers of a container no longer listed, and drops its results', async () => {
    const seen = execAnswers(() => false);
    const a = await runningContainer();
    const b = await runningContainer();
    const spec = container({ livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1 } });
    manager.sync([target(a, spec), target(b, spec)]);
    expect(vi.getTimerCount()).toBe(2);
    manager.sync([target(b, spec)]);
    expect(vi.getTimerCount()).toBe(1);
    expect(manager.view(a)).toBeUndefined();
    await advance(1.5);
    expect(seen).toHaveLength(2);
    manager.sync([]);
    expect(vi.getTimerCount()).toBe(0);
    await advance(10);
    expect(seen).toHaveLength(2);
  });

  it('discards the result of a run in flight when its container goes', async () => {
    let answer: (result: ExecResult) => void = () => undefined;
    runtime.execHandler = () => new Promise((resolve) => (answer = resolve));
    const id = await runningContainer();
    manager.sync([target(id, container({ livenessProbe: { exec: { command: ['live'] }, failureThreshold: 1, timeoutSeconds: 5 } }))]);
    await advance(0);
    manager.sync([]);
    answer({ exitCode: 1, output: 'late' });
    await advance(0);
    expect(events).toEqual([]);
    expect(changes).toBe(0);
    expect(manager.view(id)).toBeUndefined();
  });

  it('starts over when the same container ID is running again from a new start', async () => {
    execAnswers(() => false);
    const id = await runningContainer();
    const spec = container({ livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 } });
    manager.sync([target(id, spec)]);
    await advance(0);
    expect(manager.view(id)?.failed).toBeDefined();
    await advance(5);
    manager.sync([target(id, spec, { startedAt: Date.now() })]);
    expect(manager.view(id)).toEqual({ started: true, ready: true });
  });

  it('stop() clears every timer, ends HTTP runs in flight and ignores later syncs', async () => {
    const server = await httpServer();
    server.hang = true;
    const id = await runningContainer();
    manager.sync([target(id, container({ readinessProbe: { httpGet: { port: server.port }, timeoutSeconds: 30 } }))]);
    await advance(0);
    await vi.waitFor(() => expect(server.requests).toBe(1));
    await manager.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.waitFor(() => expect(server.closed).toBe(1));
    manager.sync([target(id, container({ readinessProbe: { exec: { command: ['x'] } } }))]);
    expect(manager.view(id)).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ProbeManager: a probe that cannot run', () => {
  it('counts neither way, as kubelet: engine errors never restart a healthy container', async () => {
    const id = await runningContainer();
    let calls = 0;
    runtime.execHandler = () => {
      calls++;
      throw new ExecError(id, { cause: new Error('the engine refused the exec') });
    };
    manager.sync([target(id, container({ livenessProbe: { exec: { command: ['ok'] }, periodSeconds: 1, failureThreshold: 1 } }))]);
    await advance(5);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(manager.view(id)?.failed).toBeUndefined();
    expect(events.filter((e) => e.reason === 'Unhealthy').map((e) => e.message)[0]).toMatch(/^Liveness probe errored: /);
  });
});
