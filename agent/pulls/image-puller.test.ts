import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { createLogger } from '../../protocol/log.js';
import { KUBELET_BACKOFF } from '../backoff.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { ImagePullError, type ContainerRuntime, type PullProgress } from '../runtime/runtime.js';
import type { LifecycleEvent } from '../event-sink.js';
import { ImagePuller, PULL_CHANGE_INTERVAL_MS, type PullRequester } from './image-puller.js';

const IMAGE = '127.0.0.1:5000/app:1';
const T0 = Date.parse('2026-01-01T12:00:00Z');

type PullEvent = LifecycleEvent;

function requester(pod: string, container = 'app'): PullRequester {
  return { key: `${pod}/${container}#0`, pod, container };
}

/** A puller over `runtime` with a clock the test sets and a record of events and wake-ups. */
function harness(runtime: Pick<ContainerRuntime, 'pullImage'>) {
  const state = { now: T0, changes: 0 };
  const events: PullEvent[] = [];
  const puller = new ImagePuller({
    runtime,
    events: { emit: (e) => events.push(e) },
    log: createLogger('image-puller-test', 'silent'),
    clock: { wall: () => state.now, mono: () => state.now },
    onChange: () => state.changes++,
    backoff: KUBELET_BACKOFF,
  });
  return { puller, events, state };
}

function pullCalls(runtime: FakeRuntime): number {
  return runtime.calls.filter((c) => c.startsWith('pull ')).length;
}

/** Polls until the condition holds; a pull settles within a few ticks. */
async function until(what: string, condition: () => boolean): Promise<void> {
  await waitFor(what, condition, { timeoutMs: 2_000, intervalMs: 1 });
}

/** A pull port the test finishes by hand, reporting progress in between. */
class ControlledPulls implements Pick<ContainerRuntime, 'pullImage'> {
  readonly pulls: { image: string; signal?: AbortSignal; onProgress?: (p: PullProgress) => void; finish: (error?: Error) => void }[] = [];

  pullImage(image: string, options: { readonly signal?: AbortSignal; readonly onProgress?: (p: PullProgress) => void } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => (error ? reject(error) : resolve());
      options.signal?.addEventListener('abort', () => finish(new ImagePullError(image, { cause: options.signal?.reason })), { once: true });
      this.pulls.push({ image, ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}), finish });
    });
  }
}

describe('ImagePuller', () => {
  it('pulls an image once for two requesters and satisfies both when it succeeds', async () => {
    const runtime = new FakeRuntime({ pullable: [IMAGE] });
    const release = runtime.holdPulls();
    const { puller, events, state } = harness(runtime);

    puller.request(IMAGE, requester('web-1'));
    state.now += 200;
    puller.request(IMAGE, requester('web-2'));
    puller.request(IMAGE, requester('web-1'));

    expect(pullCalls(runtime)).toBe(1);
    expect(puller.view(IMAGE)).toEqual({ inFlight: { startedAt: T0 } });
    expect(puller.isSatisfied(requester('web-1').key)).toBe(false);
    expect(events.map((e) => [e.pod, e.reason, e.message])).toEqual([
      ['web-1', 'Pulling', `Pulling image "${IMAGE}"`],
      ['web-2', 'Pulling', `Pulling image "${IMAGE}"`],
    ]);

    state.now = T0 + 1_234;
    release();
    await until('both requesters satisfied', () => puller.isSatisfied(requester('web-1').key) && puller.isSatisfied(requester('web-2').key));

    expect(pullCalls(runtime)).toBe(1);
    expect(puller.view(IMAGE)).toBeUndefined();
    expect(state.changes).toBeGreaterThan(0);
    expect(events.slice(2).map((e) => [e.type, e.pod, e.container, e.reason, e.message])).toEqual([
      ['Normal', 'web-1', 'app', 'Pulled', `Successfully pulled image "${IMAGE}" in 1.234s`],
      ['Normal', 'web-2', 'app', 'Pulled', `Successfully pulled image "${IMAGE}" in 1.234s`],
    ]);
  });

  it('backs off after a failure: no new pull before retryAt, BackOff said once per period, the wait doubling to 300 s', async () => {
    const runtime = new FakeRuntime();
    const { puller, events, state } = harness(runtime);
    const web = requester('web');

    puller.request(IMAGE, web);
    await until('the first failure', () => puller.view(IMAGE)?.failure !== undefined);
    expect(puller.view(IMAGE)).toEqual({
      failure: { message: `failed to pull image "${IMAGE}": pull access denied for ${IMAGE}`, at: T0, retryAt: T0 + 10_000, failures: 1 },
    });
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ['Normal', 'Pulling', `Pulling image "${IMAGE}"`],
      ['Warning', 'Failed', `Failed to pull image "${IMAGE}": pull access denied for ${IMAGE}`],
    ]);
    const changesAfterFailure = state.changes;
    expect(changesAfterFailure).toBe(1);

    state.now = T0 + 5_000;
    puller.request(IMAGE, web);
    state.now = T0 + 9_999;
    puller.request(IMAGE, web);
    expect(pullCalls(runtime)).toBe(1);
    expect(events.slice(2).map((e) => [e.type, e.reason, e.message])).toEqual([['Warning', 'BackOff', `Back-off pulling image "${IMAGE}"`]]);

    // Each retry at retryAt fails again at once; the waits double up to the cap.
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 8; attempt++) {
      state.now = puller.view(IMAGE)?.failure?.retryAt ?? 0;
      puller.request(IMAGE, web);
      await until(`failure ${attempt}`, () => puller.view(IMAGE)?.failure?.failures === attempt);
      const failure = puller.view(IMAGE)?.failure;
      waits.push(((failure?.retryAt ?? 0) - (failure?.at ?? 0)) / 1000);
    }
    expect(waits).toEqual([20, 40, 80, 160, 300, 300, 300]);
    expect(pullCalls(runtime)).toBe(8);
    expect(puller.isSatisfied(web.key)).toBe(false);

    // Once the registry has the image, the next pull after retryAt succeeds and clears the record.
    runtime.allowPull(IMAGE);
    state.now = puller.view(IMAGE)?.failure?.retryAt ?? 0;
    puller.request(IMAGE, web);
    await until('the retry succeeded', () => puller.isSatisfied(web.key));
    expect(puller.view(IMAGE)).toBeUndefined();
  });

  it('does not satisfy a requester that asks after a success until a new pull has succeeded', async () => {
    const runtime = new FakeRuntime({ pullable: [IMAGE] });
    const { puller, events } = harness(runtime);
    const first = requester('web', 'app');
    const restart = { ...requester('web', 'app'), key: 'web/app#1' };

    puller.request(IMAGE, first);
    await until('the first start satisfied', () => puller.isSatisfied(first.key));

    const release = runtime.holdPulls();
    puller.request(IMAGE, restart);
    expect(puller.isSatisfied(restart.key)).toBe(false);
    expect(pullCalls(runtime)).toBe(2);
    expect(puller.view(IMAGE)?.inFlight).toBeDefined();
    release();
    await until('the restart satisfied by its own pull', () => puller.isSatisfied(restart.key));
    expect(events.filter((e) => e.reason === 'Pulled')).toHaveLength(2);
  });

  it('shows pull progress in the view, waking the loop at most once a second', async () => {
    const port = new ControlledPulls();
    const { puller, state } = harness(port);
    puller.request(IMAGE, requester('web'));
    const pull = port.pulls[0];
    if (pull?.onProgress === undefined) throw new Error('the pull got no progress callback');

    const first: PullProgress = { layers: 3, layersDone: 1, downloadedBytes: 1_000_000, totalBytes: 5_000_000 };
    pull.onProgress(first);
    expect(puller.view(IMAGE)).toEqual({ inFlight: { startedAt: T0, progress: first } });
    expect(state.changes).toBe(1);

    const second: PullProgress = { ...first, downloadedBytes: 2_000_000 };
    state.now = T0 + PULL_CHANGE_INTERVAL_MS - 1;
    pull.onProgress(second);
    expect(puller.view(IMAGE)?.inFlight?.progress).toEqual(second);
    expect(state.changes).toBe(1);

    state.now = T0 + PULL_CHANGE_INTERVAL_MS;
    pull.onProgress({ ...first, layersDone: 2, downloadedBytes: 3_000_000 });
    expect(state.changes).toBe(2);

    pull.finish();
    await until('the pull done', () => puller.isSatisfied(requester('web').key));
    expect(state.changes).toBe(3);
    expect(puller.view(IMAGE)).toBeUndefined();
    // A report arriving after the end changes nothing.
    pull.onProgress(first);
    expect(puller.view(IMAGE)).toBeUndefined();
    expect(state.changes).toBe(3);
  });

  it('stop aborts the pulls in flight and waits for them, recording no failure', async () => {
    const runtime = new FakeRuntime({ pullable: [IMAGE] });
    runtime.holdPulls();
    const { puller, events, state } = harness(runtime);
    puller.request(IMAGE, requester('web'));
    puller.request('127.0.0.1:5000/other:1', requester('db'));
    expect(pullCalls(runtime)).toBe(2);

    await puller.stop();

    expect(puller.view(IMAGE)).toBeUndefined();
    expect(puller.isSatisfied(requester('web').key)).toBe(false);
    expect(events.map((e) => e.reason)).toEqual(['Pulling', 'Pulling']);
    expect(state.changes).toBe(0);
    // A stopped puller starts nothing.
    puller.request(IMAGE, requester('web'));
    expect(pullCalls(runtime)).toBe(2);
  });

  it('stop passes the abort to the runtime', async () => {
    const port = new ControlledPulls();
    const { puller } = harness(port);
    puller.request(IMAGE, requester('web'));
    expect(port.pulls[0]?.signal?.aborted).toBe(false);
    await puller.stop();
    expect(port.pulls[0]?.signal?.aborted).toBe(true);
  });

  it('retain forgets the failures of images no longer wanted, so a later request pulls at once', async () => {
    const runtime = new FakeRuntime();
    const { puller } = harness(runtime);
    puller.request(IMAGE, requester('web'));
    await until('the failure', () => puller.view(IMAGE)?.failure !== undefined);
    puller.retain(new Set(), new Set());
    expect(puller.view(IMAGE)).toBeUndefined();
    puller.request(IMAGE, requester('web'));
    expect(pullCalls(runtime)).toBe(2);
  });
});
