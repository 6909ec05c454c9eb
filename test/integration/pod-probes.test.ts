import { describe, expect, it } from 'vitest';
import type { ContainerStatus, NodeEvent } from '../../protocol/messages.js';
import { docker, TEST_IMAGE } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { desiredState, inspect, podContainers, specPod } from './agent-harness.js';
import { useAgentTestBed, type WatchedNode } from './agent-testbed.js';

/**
 * Liveness, readiness and startup probes (exec, httpGet, tcpSocket) run by the built
 * agent against real containers, read back as a user reads them: the pod's retained
 * status and the node's events. Periods are 1 s so that the tests are quick.
 */

const bed = useAgentTestBed();

type Watch = WatchedNode;

/** A node with its own agent (1 s back-off, so restarts are quick), its pod statuses and events recorded. */
function nodeWithAgent(prefix: string): Promise<Watch> {
  return bed.node(prefix, ['--backoff', '1s']);
}

function main(node: string, pod: string): ContainerStatus | undefined {
  return bed.view.podStatus(node, pod)?.status.containerStatuses[0];
}

function condition(node: string, pod: string, type: string): string | undefined {
  return bed.view.podStatus(node, pod)?.status.conditions.find((c) => c.type === type)?.status;
}

function eventsOf(watch: Watch, pod: string, reason: string): NodeEvent[] {
  return watch.events.filter((e) => e.pod === pod && e.reason === reason);
}

describe('probes', () => {
  it('exec liveness (the Kubernetes docs example): restarted once /tmp/healthy is gone, restartCount grows', async () => {
    const watch = await nodeWithAgent('lv');
    const { node } = watch;
    const pod = specPod('liveness-exec', {
      // The shell as PID 1 ignores SIGTERM, so a grace period would be sat out in full at every kill.
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'liveness',
        image: TEST_IMAGE,
        command: ['sh', '-c', 'touch /tmp/healthy; sleep 2; rm -f /tmp/healthy; sleep 600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 1, periodSeconds: 1 },
      }],
    });
    await bed.view.publishDesired(desiredState(node, 1, [pod]));

    const first = await waitFor('restartCount 1', () => ((main(node, 'liveness-exec')?.restartCount ?? 0) >= 1 ? main(node, 'liveness-exec') : undefined), { timeoutMs: 20_000 });
    // Killed by the agent (sleep ignores SIGTERM as PID 1), after the file had gone: not before 2 s.
    const killed = first.lastState?.terminated;
    expect(killed).toMatchObject({ exitCode: 137, reason: 'Error', startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(Date.parse(killed?.finishedAt ?? '') - Date.parse(killed?.startedAt ?? '')).toBeGreaterThanOrEqual(2000);
    expect(bed.view.podStatus(node, 'liveness-exec')?.status.phase).toBe('Running');

    await waitFor('restartCount 2', () => (main(node, 'liveness-exec')?.restartCount ?? 0) >= 2, { timeoutMs: 20_000 });
    const counts = watch.reports('liveness-exec').map((r) => r.status.containerStatuses[0]?.restartCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // it only grows

    const unhealthy = eventsOf(watch, 'liveness-exec', 'Unhealthy');
    expect(unhealthy.length).toBeGreaterThanOrEqual(3);
    for (const e of unhealthy) {
      expect(e).toMatchObject({ type: 'Warning', container: 'liveness' });
      expect(e.message).toMatch(/^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory$/);
    }
    const killing = eventsOf(watch, 'liveness-exec', 'Killing');
    expect(killing.length).toBeGreaterThanOrEqual(2);
    for (const e of killing) expect(e).toMatchObject({ container: 'liveness', message: 'Container liveness failed liveness probe, will be restarted' });

    // The engine agrees: one container, a new one, carrying the count.
    const ids = await podContainers(node, 'liveness-exec');
    const labels = await Promise.all(ids.map(async (id) => Number((await inspect(id)).Config.Labels['io.baton.restart-count'])));
    expect(Math.max(...labels)).toBeGreaterThanOrEqual(2);
  });

  it('httpGet readiness on a named port flips ready both ways and never restarts the container', async () => {
    const watch = await nodeWithAgent('rd');
    const { node } = watch;
    const pod = specPod('web', {
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web',
        image: TEST_IMAGE,
        command: ['sh', '-c', 'mkdir -p /www && exec httpd -f -p 8080 -h /www'],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/ready.html', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    await bed.view.publishDesired(desiredState(node, 1, [pod]));

    // (A first probe may come before httpd listens and be refused; the 404 shows it asked httpd.)
    const notFound = 'Readiness probe failed: HTTP probe failed with statuscode: 404';
    await waitFor('two readiness probes answered 404', () => eventsOf(watch, 'web', 'Unhealthy').filter((e) => e.message === notFound).length >= 2);
    const notYet = main(node, 'web');
    expect(notYet?.state.running).toBeDefined();
    expect(notYet?.ready).toBe(false);
    expect(bed.view.podStatus(node, 'web')?.status.phase).toBe('Running');
    expect(condition(node, 'web', 'Ready')).toBe('False');
    expect(condition(node, 'web', 'ContainersReady')).toBe('False');
    const id = notYet?.containerID?.replace('docker://', '') ?? '';

    const madeReadyAt = Date.now();
    await docker('exec', id, 'touch', '/www/ready.html');
    await waitFor('ready', () => main(node, 'web')?.ready === true && condition(node, 'web', 'Ready') === 'True', { timeoutMs: 10_000 });
    expect(condition(node, 'web', 'ContainersReady')).toBe('True');
    // The condition turned True when the probe passed, not when the container started
    // (soft, so that the flip back below is checked whatever this says).
    const readySince = bed.view.podStatus(node, 'web')?.status.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
    expect.soft(Date.parse(readySince), `Ready since ${readySince}, the file was made at ${new Date(madeReadyAt).toISOString()}`).toBeGreaterThanOrEqual(madeReadyAt);

    await docker('exec', id, 'rm', '/www/ready.html');
    await waitFor('not ready again', () => main(node, 'web')?.ready === false && condition(node, 'web', 'Ready') === 'False', { timeoutMs: 10_000 });
    expect(condition(node, 'web', 'ContainersReady')).toBe('False');

    const statuses = watch.reports('web').map((r) => r.status.containerStatuses[0]);
    expect(statuses.map((s) => s?.restartCount ?? 0).every((n) => n === 0)).toBe(true);
    expect(new Set(statuses.flatMap((s) => (s?.containerID ? [s.containerID] : [])))).toEqual(new Set([`docker://${id}`]));
    expect(eventsOf(watch, 'web', 'Killing')).toEqual([]);
    expect((await inspect(id)).State.Running).toBe(true);
  });

  it('a startup probe holds liveness back until it succeeds; without it the same liveness restarts the container', async () => {
    const watch = await nodeWithAgent('st');
    const { node } = watch;
    const slowStart = 'sleep 4; touch /tmp/started; sleep 600';
    const liveness = { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 };
    const held = specPod('held', {
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'app',
        image: TEST_IMAGE,
        command: ['sh', '-c', slowStart],
        startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 10 },
        livenessProbe: liveness,
      }],
    });
    const control = specPod('control', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'app', image: TEST_IMAGE, command: ['sh', '-c', slowStart], livenessProbe: liveness }],
    });
    await bed.view.publishDesired(desiredState(node, 1, [held, control]));

    const startedAt = await waitFor('held started', () => {
      const s = main(node, 'held');
      return s?.started === true ? Date.now() : undefined;
    }, { timeoutMs: 20_000 });
    await waitFor('the control restarted', () => (main(node, 'control')?.restartCount ?? 0) >= 1, { timeoutMs: 20_000 });

    const heldStatuses = watch.reports('held').map((r) => r.status.containerStatuses[0]);
    // It ran, not started (and not ready), before the startup probe passed.
    expect(heldStatuses.some((s) => s?.state.running !== undefined && s.started === false && s.ready === false)).toBe(true);
    expect(heldStatuses.every((s) => (s?.restartCount ?? 0) === 0)).toBe(true);
    expect(main(node, 'held')).toMatchObject({ started: true, ready: true, restartCount: 0 });
    const heldUnhealthy = eventsOf(watch, 'held', 'Unhealthy');
    expect(heldUnhealthy.length).toBeGreaterThanOrEqual(2);
    for (const e of heldUnhealthy) expect(e.message).toMatch(/^Startup probe failed: /);
    expect(heldUnhealthy.every((e) => Date.parse(e.time) <= startedAt)).toBe(true);
    expect(eventsOf(watch, 'held', 'Killing')).toEqual([]);

    // The control, with the same liveness probe and no startup probe, was killed for it.
    expect(eventsOf(watch, 'control', 'Unhealthy').some((e) => e.message.startsWith('Liveness probe failed: '))).toBe(true);
    expect(eventsOf(watch, 'control', 'Killing').map((e) => e.message)).toContain('Container app failed liveness probe, will be restarted');
  });

  it('tcpSocket readiness passes against a listening port and fails against a closed one', async () => {
    const watch = await nodeWithAgent('tc');
    const { node } = watch;
    const readiness = { tcpSocket: { port: 9000 }, periodSeconds: 1, failureThreshold: 1 };
    const open = specPod('open', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: TEST_IMAGE, command: ['httpd', '-f', '-p', '9000', '-h', '/var/www'], readinessProbe: readiness }],
    });
    const closed = specPod('closed', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: TEST_IMAGE, command: ['sleep', '600'], readinessProbe: readiness }],
    });
    await bed.view.publishDesired(desiredState(node, 1, [open, closed]));

    await waitFor('open ready', () => main(node, 'open')?.ready === true && condition(node, 'open', 'Ready') === 'True');
    const readySeen = Date.now();
    await waitFor('two failed probes of closed', () => eventsOf(watch, 'closed', 'Unhealthy').length >= 2);
    const ip = bed.view.podStatus(node, 'closed')?.status.podIP;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const e of eventsOf(watch, 'closed', 'Unhealthy')) expect(e.message).toBe(`Readiness probe failed: dial tcp ${ip}:9000: connect: connection refused`);
    expect(main(node, 'closed')).toMatchObject({ ready: false, restartCount: 0, state: { running: expect.anything() } });
    expect(condition(node, 'closed', 'Ready')).toBe('False');
    expect(watch.reports('closed').every((r) => r.status.containerStatuses[0]?.ready === false)).toBe(true);
    // Once ready it stays so (one failure would flip it): the listening port passes every probe.
    const openReady = watch.reports('open').map((r) => r.status.containerStatuses[0]?.ready);
    expect(openReady.slice(openReady.indexOf(true))).not.toContain(false);
    expect(eventsOf(watch, 'open', 'Unhealthy').filter((e) => Date.parse(e.time) > readySeen)).toEqual([]);
  });
});
