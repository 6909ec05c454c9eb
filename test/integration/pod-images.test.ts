import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeEvent, PodStatusReport } from '../../protocol/messages.js';
import { docker, removeNodeContainers } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { pushRunnableImage, startRegistry, tagInRegistry, type Registry } from '../support/registry.js';
import { startThrottledRelay, type ThrottledRelay } from '../support/throttled-relay.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, recordEvents, recordPodStatuses, requireBuiltAgent, startAgent, testPod, uniqueNode, type StartedAgent } from './agent-harness.js';

/**
 * Image pulls as a user sees them on the pod's retained topic, against a real registry
 * (Debian's docker-registry on 127.0.0.1) reached through a throttling relay, so that a
 * pull of a few MB lasts seconds: progress in the status while it runs, one pull for
 * several pods, and a missing image backing off until it appears.
 */

/** The relay's pace: a 2 MiB layer takes about two seconds. */
const BYTES_PER_SECOND = 1_000_000;
const PAYLOAD_BYTES = 2 * 1024 * 1024;
/** Enough for a pull that lasts about a second: both pods of one desired state ask for it while it runs. */
const SHARED_PAYLOAD_BYTES = 1024 * 1024;

let broker: Mosquitto;
let view: BrokerView;
let registry: Registry;
let relay: ThrottledRelay;
const agents: StartedAgent[] = [];
const nodes: string[] = [];
const images: string[] = [];
const recorders: { stop: () => Promise<void> }[] = [];

function node(): string {
  const name = uniqueNode('pi');
  nodes.push(name);
  return name;
}

async function agentFor(name: string, args: string[] = []): Promise<void> {
  agents.push(await startAgent(broker.url, name, { args }));
}

/** The same image, named by the relay's address: the engine pulls it through the relay. */
function throughRelay(image: string): string {
  const name = image.replace(registry.host, relay.host);
  images.push(name);
  return name;
}

async function record(name: string): Promise<{ events: NodeEvent[]; statuses: (pod: string) => PodStatusReport[] }> {
  const events = await recordEvents(broker.url, name);
  const statuses = await recordPodStatuses(broker.url, name);
  recorders.push(events, statuses);
  return { events: events.events, statuses: statuses.of };
}

function waitForPhase(name: string, pod: string, phase: string, timeoutMs = 30_000): Promise<PodStatusReport> {
  return waitFor(`pod ${pod} ${phase}`, () => {
    const report = view.podStatus(name, pod);
    return report?.status.phase === phase ? report : undefined;
  }, { timeoutMs });
}

function eventsOf(events: readonly NodeEvent[], pod: string, reason: string): NodeEvent[] {
  return events.filter((e) => e.pod === pod && e.reason === reason);
}

beforeAll(async () => {
  requireBuiltAgent();
  broker = await startMosquitto();
  view = await BrokerView.connect(broker.url);
  registry = await startRegistry();
  relay = await startThrottledRelay(registry.host, BYTES_PER_SECOND);
});

afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
  await Promise.all(agents.splice(0).map(async (a) => {
    await a.process.stop('SIGKILL');
    await rm(a.stateDir, { recursive: true, force: true });
  }));
  for (const name of nodes.splice(0)) await removeNodeContainers(name);
  for (const image of images.splice(0)) await docker('rmi', '-f', image).catch(() => '');
});

afterAll(async () => {
  await relay?.stop();
  await registry?.stop();
  await view?.close();
  await broker?.stop();
});

describe('pod images', () => {
  it('shows the pull progress in the pod status while a pull runs, then Running', async () => {
    const name = node();
    const image = throughRelay(await pushRunnableImage(registry, 'baton-test/progress', PAYLOAD_BYTES));
    const { events, statuses } = await record(name);
    await agentFor(name);
    await view.publishDesired(desiredState(name, 1, [testPod('web', { image, imagePullPolicy: 'IfNotPresent' })]));
    await waitForPhase(name, 'web', 'Running');

    const history = statuses('web');
    const firstRunning = history.findIndex((r) => r.status.phase === 'Running');
    const progress = history.slice(0, firstRunning).flatMap((r) => {
      const waiting = r.status.containerStatuses[0]?.state.waiting;
      const match = /^Pulling image "(.+)": (\d+\.\d) MB of (\d+\.\d) MB, (\d+) of (\d+) layers$/.exec(waiting?.message ?? '');
      return waiting?.reason === 'ContainerCreating' && match ? [{ image: match[1], done: Number(match[2]), total: Number(match[3]), layersDone: Number(match[4]), layers: Number(match[5]) }] : [];
    });
    expect(progress.length, `statuses seen: ${JSON.stringify(history.map((r) => r.status.containerStatuses[0]?.state))}`).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p.image).toBe(image);
      expect(p.layers).toBe(2);
      // The random payload does not compress: its layer alone is over 2 MB.
      expect(p.total).toBeGreaterThanOrEqual(PAYLOAD_BYTES / 1_000_000 - 0.05);
      expect(p.done).toBeLessThanOrEqual(p.total);
    }
    // Seen part way, not only once everything had arrived.
    expect(progress.some((p) => p.done < p.total)).toBe(true);

    await waitFor('Pulled and Started events', () => eventsOf(events, 'web', 'Started').length === 1);
    expect(events.filter((e) => e.pod === 'web').map((e) => e.reason)).toEqual(['Pulling', 'Pulled', 'Created', 'Started']);
    expect(eventsOf(events, 'web', 'Pulled')[0]?.message).toMatch(new RegExp(`^Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in \\d+\\.\\d+s$`));
    // The engine really fetched the layers through the relay, and now has the image.
    expect(relay.requests.filter((r) => r.startsWith('GET /v2/baton-test/progress/blobs/')).length).toBe(3);
    expect(await docker('image', 'inspect', '--format', '{{len .RootFS.Layers}}', image)).toBe('2');
  });

  it('pulls an image once for two pods that need it, and both run', async () => {
    const name = node();
    const pushed = await pushRunnableImage(registry, 'baton-test/shared', SHARED_PAYLOAD_BYTES);
    const tag = pushed.slice(pushed.lastIndexOf(':') + 1);
    const image = throughRelay(pushed);
    const { events } = await record(name);
    await agentFor(name);
    await view.publishDesired(desiredState(name, 1, ['a', 'b'].map((pod) => testPod(pod, { image, imagePullPolicy: 'IfNotPresent' }))));
    await Promise.all([waitForPhase(name, 'a', 'Running'), waitForPhase(name, 'b', 'Running')]);

    const mine = relay.requests.filter((r) => r.includes('/v2/baton-test/shared/'));
    // Each pull asks for the manifest by tag once (HEAD, then GET by digest).
    expect(mine.filter((r) => r.endsWith(`/manifests/${tag}`))).toHaveLength(1);
    const blobs = mine.filter((r) => r.startsWith('GET ') && r.includes('/blobs/'));
    const perBlob = new Map<string, number>();
    for (const b of blobs) perBlob.set(b, (perBlob.get(b) ?? 0) + 1);
    // The config and the two layers, each fetched once.
    expect(perBlob.size).toBe(3);
    expect([...perBlob.values()]).toEqual([1, 1, 1]);
    for (const pod of ['a', 'b']) {
      expect(eventsOf(events, pod, 'Pulling')).toHaveLength(1);
      expect(eventsOf(events, pod, 'Pulled')).toHaveLength(1);
    }
  });

  it('a missing image: ErrImagePull, then ImagePullBackOff with spaced retries, then Running once it is pushed', async () => {
    const name = node();
    const tag = uniqueNode('late');
    const image = throughRelay(`${registry.host}/baton-test/late:${tag}`);
    // In the registry beforehand under another tag, so that it appears under the pod's
    // tag in an instant, between two retries: only its manifest is put under that tag.
    const staged = await pushRunnableImage(registry, 'baton-test/late', 64 * 1024, `${tag}-staged`);
    const { events, statuses } = await record(name);
    await agentFor(name, ['--backoff', '1s']);
    await view.publishDesired(desiredState(name, 1, [testPod('late', { image, imagePullPolicy: 'IfNotPresent' })]));

    const waitingReasons = (): (string | undefined)[] => statuses('late').map((r) => r.status.containerStatuses[0]?.state.waiting?.reason);
    await waitFor('ErrImagePull, then ImagePullBackOff', () => {
      const reasons = waitingReasons();
      const err = reasons.indexOf('ErrImagePull');
      return err >= 0 && reasons.indexOf('ImagePullBackOff', err) > err;
    }, { timeoutMs: 15_000 });
    const backOff = statuses('late').find((r) => r.status.containerStatuses[0]?.state.waiting?.reason === 'ImagePullBackOff');
    expect(backOff?.status.phase).toBe('Pending');
    expect(backOff?.status.containerStatuses[0]?.state.waiting?.message).toContain(`Back-off pulling image "${image}"`);

    const failed = (): NodeEvent[] => eventsOf(events, 'late', 'Failed').filter((e) => e.message.startsWith(`Failed to pull image "${image}"`));
    await waitFor('three failed pulls', () => failed().length >= 3, { timeoutMs: 20_000 });
    const [t1, t2, t3] = failed().map((e) => Date.parse(e.time)) as [number, number, number];
    // --backoff 1s: the second pull 1 s after the first failed, the third 2 s after the second.
    expect(t2 - t1).toBeGreaterThanOrEqual(1000);
    expect(t2 - t1).toBeLessThan(2500);
    expect(t3 - t2).toBeGreaterThanOrEqual(2000);
    expect(t3 - t2).toBeLessThan(3500);

    // Tagged in the registry (under its own address, so the engine never has it under the pod's image name).
    await tagInRegistry(registry, staged, tag);
    await waitForPhase(name, 'late', 'Running', 20_000);
    const pulled = eventsOf(events, 'late', 'Pulled');
    expect(pulled).toHaveLength(1);
    // Not at once: at the next retry, 4 s after the third failure.
    expect(Date.parse(pulled[0]?.time ?? '')).toBeGreaterThanOrEqual(t3 + 4000 - 50);
    expect(failed()).toHaveLength(3);
  });
});
