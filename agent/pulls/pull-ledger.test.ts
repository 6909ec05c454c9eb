import { describe, expect, it } from 'vitest';
import { KUBELET_BACKOFF } from '../backoff.js';
import { isBackingOff, recordPullFailure, type PullFailure } from './pull-failure.js';
import { PullLedger, type PullRequester } from './pull-ledger.js';

const IMAGE = 'registry.local/app:1';
const OTHER = 'registry.local/other:1';

function requester(key: string): PullRequester {
  return { key, pod: `pod-${key}`, container: 'app' };
}

describe('recordPullFailure', () => {
  it('waits 10 s, then doubles each failure in a row up to 300 s', () => {
    let failure: PullFailure | undefined;
    const waits: number[] = [];
    let at = 0;
    for (let i = 0; i < 8; i++) {
      failure = recordPullFailure(failure, 'not found', at, KUBELET_BACKOFF);
      waits.push((failure.retryAt - failure.at) / 1000);
      at = failure.retryAt;
    }
    expect(waits).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    expect(failure?.failures).toBe(8);
  });

  it('counts from the time of the failure and keeps its message', () => {
    expect(recordPullFailure(undefined, 'manifest unknown', 5_000, KUBELET_BACKOFF)).toEqual({ message: 'manifest unknown', at: 5_000, retryAt: 15_000, failures: 1 });
  });

  it('starts over after a failure older than twice the cap, as kubelet forgets its backoff entry', () => {
    const old = recordPullFailure(recordPullFailure(undefined, 'x', 0, KUBELET_BACKOFF), 'x', 10_000, KUBELET_BACKOFF);
    expect(old.failures).toBe(2);
    expect(recordPullFailure(old, 'x', 10_000 + 600_000, KUBELET_BACKOFF).failures).toBe(3);
    expect(recordPullFailure(old, 'x', 10_000 + 600_001, KUBELET_BACKOFF).failures).toBe(1);
  });
});

describe('isBackingOff', () => {
  const failure: PullFailure = { message: 'x', at: 0, retryAt: 10_000, failures: 1 };
  it.each([
    ['no failure', undefined, 0, false],
    ['before retryAt', failure, 9_999, true],
    ['at retryAt', failure, 10_000, false],
    ['after retryAt', failure, 20_000, false],
  ] as const)('%s', (_name, f, now, expected) => {
    expect(isBackingOff(f, now)).toBe(expected);
  });
});

describe('PullLedger', () => {
  it('starts one pull for the first requester; a second one joins it; both are satisfied by its success', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    expect(ledger.request(IMAGE, requester('a'), 0)).toEqual({ kind: 'start', requesters: [requester('a')] });
    expect(ledger.request(IMAGE, requester('b'), 1)).toEqual({ kind: 'joined' });
    expect(ledger.request(IMAGE, requester('a'), 2)).toEqual({ kind: 'unchanged' });
    expect(ledger.isSatisfied('a')).toBe(false);
    expect(ledger.succeeded(IMAGE)).toEqual([requester('a'), requester('b')]);
    expect(ledger.isSatisfied('a')).toBe(true);
    expect(ledger.isSatisfied('b')).toBe(true);
    expect(ledger.isPulling(IMAGE)).toBe(false);
  });

  it('pulls different images side by side', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    expect(ledger.request(IMAGE, requester('a'), 0).kind).toBe('start');
    expect(ledger.request(OTHER, requester('b'), 0).kind).toBe('start');
  });

  it('does not satisfy a requester that asks after a success until a new pull succeeds', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('first'), 0);
    ledger.succeeded(IMAGE);
    expect(ledger.request(IMAGE, requester('second'), 1)).toEqual({ kind: 'start', requesters: [requester('second')] });
    expect(ledger.isSatisfied('second')).toBe(false);
    ledger.succeeded(IMAGE);
    expect(ledger.isSatisfied('second')).toBe(true);
  });

  it('asking again once satisfied changes nothing and starts no pull', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    ledger.succeeded(IMAGE);
    expect(ledger.request(IMAGE, requester('a'), 1)).toEqual({ kind: 'unchanged' });
    expect(ledger.isPulling(IMAGE)).toBe(false);
  });

  it('after a failure refuses until retryAt, says BackOff once per period per requester, then pulls again', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    const { failure, requesters } = ledger.failed(IMAGE, 'not found', 1_000);
    expect(requesters).toEqual([requester('a')]);
    expect(failure).toEqual({ message: 'not found', at: 1_000, retryAt: 11_000, failures: 1 });
    expect(ledger.request(IMAGE, requester('a'), 2_000)).toEqual({ kind: 'backoff', failure, isNew: true });
    expect(ledger.request(IMAGE, requester('a'), 3_000)).toEqual({ kind: 'backoff', failure, isNew: false });
    expect(ledger.request(IMAGE, requester('b'), 3_000)).toEqual({ kind: 'backoff', failure, isNew: true });
    expect(ledger.isSatisfied('a')).toBe(false);
    // At retryAt one pull starts for everyone still waiting for the image.
    expect(ledger.request(IMAGE, requester('a'), 11_000)).toEqual({ kind: 'start', requesters: [requester('a'), requester('b')] });
    const second = ledger.failed(IMAGE, 'not found', 12_000).failure;
    expect(second.retryAt).toBe(32_000);
    expect(ledger.request(IMAGE, requester('a'), 13_000)).toEqual({ kind: 'backoff', failure: second, isNew: true });
  });

  it('a success clears the failure record', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    ledger.failed(IMAGE, 'x', 0);
    ledger.request(IMAGE, requester('a'), 10_000);
    ledger.succeeded(IMAGE);
    expect(ledger.failure(IMAGE)).toBeUndefined();
    expect(ledger.isSatisfied('a')).toBe(true);
  });

  it('an aborted pull records no failure and leaves its requesters waiting', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    ledger.aborted(IMAGE);
    expect(ledger.failure(IMAGE)).toBeUndefined();
    expect(ledger.isSatisfied('a')).toBe(false);
    expect(ledger.request(IMAGE, requester('a'), 1).kind).toBe('start');
  });

  it('forgets released requesters: they are not satisfied by a later success', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    ledger.release('a');
    expect(ledger.succeeded(IMAGE)).toEqual([]);
    expect(ledger.isSatisfied('a')).toBe(false);
  });

  it('retain forgets failures of unwanted images and unwanted requesters', () => {
    const ledger = new PullLedger(KUBELET_BACKOFF);
    ledger.request(IMAGE, requester('a'), 0);
    ledger.request(OTHER, requester('b'), 0);
    ledger.failed(IMAGE, 'x', 0);
    ledger.failed(OTHER, 'x', 0);
    ledger.retain(new Set([IMAGE]), new Set(['a']));
    expect(ledger.failure(IMAGE)).toBeDefined();
    expect(ledger.failure(OTHER)).toBeUndefined();
    // 'b' was forgotten, so asking again starts over: no backoff on OTHER, a new pull.
    expect(ledger.request(OTHER, requester('b'), 1)).toEqual({ kind: 'start', requesters: [requester('b')] });
    // IMAGE is still wanted: its failure still holds new pulls back.
    expect(ledger.request(IMAGE, requester('a'), 1).kind).toBe('backoff');
  });
});
