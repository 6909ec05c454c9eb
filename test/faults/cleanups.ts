import { afterEach } from 'vitest';

/**
 * Registers an afterEach hook that undoes what a test set up (processes, brokers,
 * containers, temporary folders), last first, whether the test passed or not. Returns
 * the function a test calls to register each undo as it sets things up.
 */
export function useCleanups(): (cleanup: () => Promise<unknown>) => void {
  const pending: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup().catch((error: unknown) => console.warn('cleanup failed:', error));
  });
  return (cleanup) => void pending.push(cleanup);
}
