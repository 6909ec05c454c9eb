import { describe, expect, it } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { waitFor } from '../test/support/wait.js';
import type { Credentials } from './credentials.js';
import { JoinRefusedError, JoinUnavailableError } from './join.js';
import { keepJoining } from './keep-joining.js';

const log = createLogger('test', 'silent');
const policy = { initialMs: 4, maxMs: 16, stableMs: 1000 };
const joined = { protocol: 'v1', node: 'pi-1', username: 'node.pi-1', password: 'pw', broker: 'mqtts://c:8883', ca: 'PEM' } as Credentials;

/** An attempt that fails with the given errors in turn, then succeeds; it counts its calls. */
function attempts(failures: Error[]): { attempt: () => Promise<Credentials>; calls: () => number } {
  let calls = 0;
  return {
    attempt: () => {
      const failure = failures[calls];
      calls += 1;
      return failure === undefined ? Promise.resolve(joined) : Promise.reject(failure);
    },
    calls: () => calls,
  };
}

describe('keepJoining', () => {
  it('tries again while the coordinator is unavailable, then resolves with the credentials', async () => {
    const { attempt, calls } = attempts([new JoinUnavailableError('refused'), new JoinUnavailableError('timeout'), new JoinUnavailableError('503')]);
    await expect(keepJoining(attempt, { signal: new AbortController().signal, log, policy, random: () => 0 })).resolves.toBe(joined);
    expect(calls()).toBe(4);
  });

  it('stops at once on a refusal: trying again cannot help', async () => {
    const refusal = new JoinRefusedError('the token was refused');
    const { attempt, calls } = attempts([new JoinUnavailableError('refused'), refusal]);
    await expect(keepJoining(attempt, { signal: new AbortController().signal, log, policy })).rejects.toBe(refusal);
    expect(calls()).toBe(2);
  });

  it('stops on any other error too (a state directory that cannot be written, say)', async () => {
    const { attempt, calls } = attempts([new Error('EROFS')]);
    await expect(keepJoining(attempt, { signal: new AbortController().signal, log, policy })).rejects.toThrow('EROFS');
    expect(calls()).toBe(1);
  });

  it('an abort ends the wait between attempts', async () => {
    const abort = new AbortController();
    const { attempt, calls } = attempts(Array.from({ length: 100 }, () => new JoinUnavailableError('down')));
    const joining = keepJoining(attempt, { signal: abort.signal, log, policy: { initialMs: 60_000, maxMs: 60_000, stableMs: 1 } });
    // The first attempt has failed: the minute's wait has begun.
    await waitFor('the first attempt', () => calls() === 1, { intervalMs: 1 });
    abort.abort(new Error('stopping'));
    await expect(joining).rejects.toThrow('stopping');
    expect(calls()).toBe(1);
  });
});
