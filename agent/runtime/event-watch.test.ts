import { describe, expect, it } from 'vitest';
import { keepWatching, type OpenEvents } from './event-watch.js';
import type { WatchState } from './runtime.js';

/**
 * The event watch through an engine that goes away and comes back, scripted: each
 * `open` takes the next step of the script. Sleeps are recorded, not waited.
 */

type Step =
  /** The engine refuses the subscription. */
  | { refuse: string }
  /** The engine accepts; the stream ends by itself (undefined) or breaks with the message. */
  | { accept: true; breaks?: string };

function scripted(steps: readonly Step[], abort: AbortController): { open: OpenEvents; opened: () => number } {
  let next = 0;
  const open: OpenEvents = () => {
    const step = steps[next++];
    // The script is over: the engine answers no more and the test is done.
    if (step === undefined) {
      abort.abort();
      return Promise.reject(new Error('script over'));
    }
    if ('refuse' in step) return Promise.reject(new Error(step.refuse));
    const ended = step.breaks === undefined ? Promise.resolve() : Promise.reject(new Error(step.breaks));
    return Promise.resolve({ ended });
  };
  return { open, opened: () => next };
}

async function run(steps: readonly Step[]): Promise<{ states: WatchState[]; sleeps: number[]; opened: number }> {
  const abort = new AbortController();
  const states: WatchState[] = [];
  const sleeps: number[] = [];
  const { open, opened } = scripted(steps, abort);
  await keepWatching(open, {
    signal: abort.signal,
    onWatch: (s) => states.push(s),
    backoff: { initialMs: 200, maxMs: 1000 },
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { states, sleeps, opened: opened() };
}

describe('keepWatching', () => {
  it('backs off while the engine is away and starts over once it answers', async () => {
    const { states, sleeps } = await run([
      { accept: true }, // the engine is killed: the stream ends
      { refuse: 'connect ECONNREFUSED /run/docker.sock' },
      { refuse: 'connect ECONNREFUSED /run/docker.sock' },
      { refuse: 'connect ECONNREFUSED /run/docker.sock' },
      { refuse: 'connect ECONNREFUSED /run/docker.sock' },
      { accept: true }, // back
      { refuse: 'connect ENOENT /run/docker.sock' },
    ]);
    expect(states).toEqual([
      { state: 'watching' },
      { state: 'lost', reason: 'the engine ended the event stream', retryInMs: 200, failures: 1 },
      { state: 'lost', reason: 'connect ECONNREFUSED /run/docker.sock', retryInMs: 400, failures: 2 },
      { state: 'lost', reason: 'connect ECONNREFUSED /run/docker.sock', retryInMs: 800, failures: 3 },
      { state: 'lost', reason: 'connect ECONNREFUSED /run/docker.sock', retryInMs: 1000, failures: 4 },
      { state: 'lost', reason: 'connect ECONNREFUSED /run/docker.sock', retryInMs: 1000, failures: 5 },
      { state: 'watching' },
      { state: 'lost', reason: 'the engine ended the event stream', retryInMs: 200, failures: 1 },
      { state: 'lost', reason: 'connect ENOENT /run/docker.sock', retryInMs: 400, failures: 2 },
    ]);
    expect(sleeps).toEqual([200, 400, 800, 1000, 1000, 200, 400]);
  });

  it('tells a broken stream from an ended one', async () => {
    const { states } = await run([{ accept: true, breaks: 'read ECONNRESET' }]);
    expect(states).toEqual([
      { state: 'watching' },
      { state: 'lost', reason: 'read ECONNRESET', retryInMs: 200, failures: 1 },
    ]);
  });

  it('stops at once when aborted, in a sleep or while opening', async () => {
    const abort = new AbortController();
    let opens = 0;
    const done = keepWatching(
      async () => {
        opens++;
        throw new Error('connect ECONNREFUSED');
      },
      { signal: abort.signal, sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })) },
    );
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await done;
    expect(opens).toBe(1);

    const states: WatchState[] = [];
    const aborted = new AbortController();
    await keepWatching(
      async () => {
        aborted.abort(); // the agent stops while the engine answers
        return { ended: Promise.resolve() };
      },
      { signal: aborted.signal, onWatch: (s) => states.push(s) },
    );
    expect(states).toEqual([]);
  });

  it('goes on watching when the listener throws', async () => {
    const abort = new AbortController();
    const { open } = scripted([{ accept: true }, { refuse: 'gone' }, { accept: true }], abort);
    let told = 0;
    await keepWatching(open, {
      signal: abort.signal,
      onWatch: () => {
        told++;
        throw new Error('a bug in the listener');
      },
      sleep: async () => undefined,
    });
    expect(told).toBe(5); // watching, lost, lost, watching, lost
  });
});
