import { describe, expect, it } from 'vitest';
import { withDeadline } from './engine-deadline.js';
import { EngineTimeoutError } from './runtime.js';

describe('withDeadline', () => {
  it('gives the answer that comes in time', async () => {
    await expect(withDeadline('a list', 1000, async () => 'answer')).resolves.toBe('answer');
  });

  it('lets a list and an inspect per container share the signal without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await withDeadline('a container list', 1000, async (signal) => {
        for (let i = 0; i < 30; i++) signal.addEventListener('abort', () => undefined);
        return 'listed';
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('passes on the call\'s own failure', async () => {
    await expect(withDeadline('a list', 1000, () => Promise.reject(new Error('connect ECONNREFUSED')))).rejects.toThrow('connect ECONNREFUSED');
  });

  it('fails with EngineTimeoutError naming the call, and aborts it, when the engine does not answer', async () => {
    let seen: AbortSignal | undefined;
    const frozen = (signal: AbortSignal): Promise<never> => {
      seen = signal;
      // Like an HTTP request: rejects once aborted, and a while after the deadline at that.
      return new Promise((_, reject) => signal.addEventListener('abort', () => setTimeout(() => reject(new Error('aborted')), 20), { once: true }));
    };
    const failure = await withDeadline('a container list', 30, frozen).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineTimeoutError);
    expect((failure as Error).message).toBe('the engine did not answer a container list within 0.03s');
    expect(seen?.aborted).toBe(true);
    // The call's late rejection is swallowed, not left unhandled (vitest would fail the run).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('races a call that takes no signal, leaving it to settle unheard', async () => {
    let settle: ((value: string) => void) | undefined;
    const deaf = (): Promise<string> => new Promise((resolve) => (settle = resolve));
    await expect(withDeadline('its version', 20, deaf)).rejects.toBeInstanceOf(EngineTimeoutError);
    settle?.('late');
  });
});
