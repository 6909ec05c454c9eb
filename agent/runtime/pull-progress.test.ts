import { describe, expect, it } from 'vitest';
import { foldPullMessage, isReportDue, summarizePull, type PullLayers } from './pull-progress.js';

/** Messages as the Docker engine streams them for a two-layer pull, one layer already present. */
const messages: unknown[] = [
  { status: 'Pulling from baton-test/busybox', id: '1' },
  { status: 'Already exists', progressDetail: {}, id: 'aaaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbbb' },
  { status: 'Waiting', progressDetail: {}, id: 'bbbb' },
  { status: 'Downloading', progressDetail: { current: 1000, total: 4000 }, progress: '[=>  ]', id: 'bbbb' },
  { status: 'Downloading', progressDetail: { current: 3000, total: 4000 }, id: 'bbbb' },
  { status: 'Verifying Checksum', progressDetail: {}, id: 'bbbb' },
  { status: 'Download complete', progressDetail: {}, id: 'bbbb' },
  { status: 'Extracting', progressDetail: { current: 50, total: 9000 }, id: 'bbbb' },
  { status: 'Pull complete', progressDetail: {}, id: 'bbbb' },
  { status: 'Digest: sha256:0123' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:5000/baton-test/busybox:1' },
];

function after(count: number): PullLayers {
  return messages.slice(0, count).reduce<PullLayers>((layers, m) => foldPullMessage(layers, m), {});
}

describe('pull progress', () => {
  it.each([
    [1, { layers: 0, layersDone: 0, downloadedBytes: 0, totalBytes: 0 }],
    [2, { layers: 1, layersDone: 1, downloadedBytes: 0, totalBytes: 0 }],
    [4, { layers: 2, layersDone: 1, downloadedBytes: 0, totalBytes: 0 }],
    [5, { layers: 2, layersDone: 1, downloadedBytes: 1000, totalBytes: 4000 }],
    [6, { layers: 2, layersDone: 1, downloadedBytes: 3000, totalBytes: 4000 }],
    [7, { layers: 2, layersDone: 2, downloadedBytes: 4000, totalBytes: 4000 }],
    [9, { layers: 2, layersDone: 2, downloadedBytes: 4000, totalBytes: 4000 }],
    [messages.length, { layers: 2, layersDone: 2, downloadedBytes: 4000, totalBytes: 4000 }],
  ])('after %i messages', (count, expected) => {
    expect(summarizePull(after(count))).toEqual(expected);
  });

  it('ignores what is not a layer message and never undoes a finished layer', () => {
    const done = after(messages.length);
    expect(foldPullMessage(done, { status: 'Downloading', progressDetail: { current: 1, total: 4000 }, id: 'bbbb' })).toBe(done);
    expect(foldPullMessage(done, 'garbage')).toBe(done);
    expect(foldPullMessage(done, { error: 'manifest unknown' })).toBe(done);
    expect(foldPullMessage({}, { status: 'Retrying in 5 seconds', id: 'cccc' })).toEqual({ cccc: { isDone: false, current: 0, total: 0 } });
  });

  it('allows a report every 250 ms', () => {
    expect(isReportDue(undefined, 0)).toBe(true);
    expect(isReportDue(1000, 1249)).toBe(false);
    expect(isReportDue(1000, 1250)).toBe(true);
  });
});
