import type { Duplex } from 'node:stream';
import { ExecError, ExecTimeoutError, type ExecResult } from './runtime.js';

/**
 * One command run in a container through the Docker engine's exec API (exec probes),
 * with a timeout that really ends it. The adapter hands in the engine calls; this file
 * holds what happens around them.
 */

/** An exec the engine has created, as far as running it needs. */
export interface EngineExec {
  /** Starts it, attached: the answer streams its multiplexed stdout and stderr until it ends. */
  start(signal: AbortSignal): Promise<Duplex>;
  inspect(): Promise<{ readonly Running: boolean; readonly ExitCode: number | null; readonly Pid: number }>;
}

/** An exec probe's output is kept up to this size, as kubelet cuts probe output. */
export const EXEC_OUTPUT_BYTES = 4096;
const EXIT_POLL_MS = 20;

/**
 * Creates (with `create`), starts and waits for an exec; resolves with its exit code and
 * output. Rejects with ExecError when the engine refuses it (the container is not running
 * or gone). After `timeoutMs` rejects with ExecTimeoutError, the command killed first.
 * Nothing is left behind either way: the attach stream is destroyed, pending calls aborted.
 */
export async function runExec(containerId: string, create: (signal: AbortSignal) => Promise<EngineExec>, timeoutMs: number): Promise<ExecResult> {
  const abort = new AbortController();
  const started: { exec?: EngineExec; stream?: Duplex } = {};
  const run = async (): Promise<ExecResult> => {
    try {
      started.exec = await create(abort.signal);
      started.stream = await started.exec.start(abort.signal);
    } catch (error) {
      throw new ExecError(containerId, { cause: error });
    }
    const output = await readOutput(started.stream);
    return { exitCode: await exitCodeOf(containerId, started.exec, abort.signal), output };
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExecTimeoutError(timeoutMs)), timeoutMs);
  });
  const running = run();
  running.catch(() => undefined); // after a timeout its failure is no longer anyone's concern
  try {
    return await Promise.race([running, timedOut]);
  } catch (error) {
    if (error instanceof ExecTimeoutError && started.exec) await kill(started.exec);
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
    started.stream?.destroy();
  }
}

/** Keeps the first EXEC_OUTPUT_BYTES of the payload of Docker's multiplexed frames: an 8-byte header (stream, 0, 0, 0, size) then the bytes. */
export class ExecOutput {
  private pending = Buffer.alloc(0);
  private kept = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const payload = this.pending.subarray(8, 8 + size);
      if (this.kept.length < EXEC_OUTPUT_BYTES) this.kept = Buffer.concat([this.kept, payload.subarray(0, EXEC_OUTPUT_BYTES - this.kept.length)]);
      this.pending = this.pending.subarray(8 + size);
    }
  }

  text(): string {
    return this.kept.toString();
  }
}

function readOutput(stream: Duplex): Promise<string> {
  const output = new ExecOutput();
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => output.push(chunk));
    stream.once('end', () => resolve(output.text()));
    stream.once('close', () => resolve(output.text()));
    stream.once('error', reject);
  });
}

/**
 * The exit code of a finished exec. The engine may mark it finished a moment after its
 * output ends; the polling stops when `signal` aborts (the exec timed out).
 */
async function exitCodeOf(containerId: string, exec: EngineExec, signal: AbortSignal): Promise<number> {
  for (;;) {
    signal.throwIfAborted();
    let info: Awaited<ReturnType<EngineExec['inspect']>>;
    try {
      info = await exec.inspect();
    } catch (error) {
      throw new ExecError(containerId, { cause: error }); // the container went away meanwhile
    }
    if (!info.Running) {
      if (info.ExitCode === null) throw new ExecError(containerId, { cause: new Error('the engine reported no exit code') });
      return info.ExitCode;
    }
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
  }
}

/**
 * Ends a timed-out exec for real: the engine offers no call for it, so the agent kills the
 * process by its host PID. The engine starts an exec'd command as the leader of its own
 * process group, so the group goes too (a shell's children with it). Best effort and
 * silent: the agent may not share the engine's PID namespace, and a gone process is fine.
 */
async function kill(exec: EngineExec): Promise<void> {
  try {
    const info = await exec.inspect();
    if (!info.Running || info.Pid <= 0) return; // ended meanwhile: its PID may be someone else's now
    for (const target of [-info.Pid, info.Pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // no such process (group), or not ours to signal
      }
    }
  } catch {
    // the exec or its container is gone: nothing left to kill
  }
}
