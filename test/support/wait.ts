/**
 * Without `intervalMs`, the pause between two polls follows the probe: 25 ms after a
 * cheap one (an in-memory look at what the broker sent), as long as the probe took after
 * a slower one (a `docker` or `baton` process, a request to the coordinator), up to
 * 100 ms. A condition is seen soon after it holds, and a probe that runs a process
 * still leaves the machine at least half the time for the programs under test.
 */
const MIN_PAUSE_MS = 25;
const MAX_PAUSE_MS = 100;

/**
 * Polls `probe` until it returns a value other than undefined/false, or throws with
 * `what` and the last value seen when the deadline passes. Tests never sleep and hope.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    const probedAt = Date.now();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 20_000} ms waiting for ${what}${detail}`);
    }
    const pause = options.intervalMs ?? Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, Date.now() - probedAt));
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
