import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../test/support/wait.js';

/**
 * A fleet of simulated nodes spread over worker processes (sim-worker.ts), `perWorker`
 * nodes each. Their desired states are saved on a tmpfs (/dev/shm), so the fleet writes
 * nothing to disk. `stop()` stops every agent (offline statuses go out) and removes the
 * state directory.
 */

export interface Fleet {
  readonly nodes: readonly string[];
  readonly workerPids: readonly number[];
  stop(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./sim-worker.ts', import.meta.url));
const HOOKS = fileURLToPath(new URL('../ts-hooks.mjs', import.meta.url));
const TMPFS = '/dev/shm';

export async function startFleet(options: { brokerUrl: string; nodes: readonly string[]; perWorker: number; image: string; timeoutMs: number }): Promise<Fleet> {
  const stateDir = await mkdtemp(join(TMPFS, 'baton-fleet-'));
  const workers: ChildProcess[] = [];
  const output: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      workers.map(async (w) => {
        if (w.exitCode !== null || w.signalCode !== null) return;
        const exited = once(w, 'exit');
        if (w.connected) w.send('stop');
        else w.kill('SIGTERM');
        const timer = setTimeout(() => w.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    let started = 0;
    for (let i = 0; i < options.nodes.length; i += options.perWorker) {
      const share = options.nodes.slice(i, i + options.perWorker);
      const worker = fork(WORKER, [options.brokerUrl, stateDir, options.image, ...share], { execArgv: ['--import', HOOKS], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      const keep = (data: Buffer): void => void output.push(data.toString());
      worker.stdout?.on('data', keep);
      worker.stderr?.on('data', keep);
      worker.on('message', (message: unknown) => {
        if (typeof message === 'object' && message !== null && 'started' in message && typeof message.started === 'number') started += message.started;
      });
      workers.push(worker);
    }
    const failed = (): boolean => workers.some((w) => w.exitCode !== null);
    await waitFor(`${options.nodes.length} simulated agents started`, () => started === options.nodes.length || failed(), { timeoutMs: options.timeoutMs, intervalMs: 100 });
    if (failed()) throw new Error(`a fleet worker exited:\n${output.join('').slice(-4000)}`);
    return { nodes: options.nodes, workerPids: workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid])), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
