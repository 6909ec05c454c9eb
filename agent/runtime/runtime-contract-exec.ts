import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import type { ContractContext } from './runtime-contract.js';
import { ExecError, ExecTimeoutError } from './runtime.js';

/** The contract of `exec` (exec probes): results, refusals, and a timeout that really ends the command. */
export function defineExecContract(ctx: ContractContext): void {
  const runtime = () => ctx.subject().runtime;

  /** The processes of a container as its `ps` lists them. */
  async function processes(id: string): Promise<string> {
    const { exitCode, output } = await runtime().exec(id, ['ps', '-o', 'pid,args'], 5_000);
    expect(exitCode).toBe(0);
    return output;
  }

  describe('exec', () => {
    it('resolves with the exit code and the output of the command', async () => {
      const id = await ctx.run(ctx.scope());
      expect(await runtime().exec(id, ['sh', '-c', 'exit 3'], 5_000)).toEqual({ exitCode: 3, output: '' });
      expect(await runtime().exec(id, ['echo', 'hello', 'probe'], 5_000)).toEqual({ exitCode: 0, output: 'hello probe\n' });
    });

    it('fails with ExecError in a container that is not running or is gone', async () => {
      const group = ctx.scope();
      const id = await runtime().createContainer(ctx.spec(group));
      await expect(runtime().exec(id, ['echo', 'hi'], 5_000)).rejects.toBeInstanceOf(ExecError);
      await runtime().removeContainer(id);
      await expect(runtime().exec(id, ['echo', 'hi'], 5_000)).rejects.toBeInstanceOf(ExecError);
    });

    /** Runs `command` with a 1 s timeout; checks the rejection's timing and, on a real engine, that the command is gone. */
    async function expectTimeout(command: string[], trace: RegExp): Promise<void> {
      const id = await ctx.run(ctx.scope());
      const started = Date.now();
      const outcome = runtime()
        .exec(id, command, 1_000)
        .then(
          () => undefined,
          (error: unknown) => ({ error, elapsed: Date.now() - started }),
        );
      if (ctx.runsProcesses) {
        // While it runs, ps sees it: so the check that it is gone below can fail.
        await waitFor('the command in ps', async () => trace.test(await processes(id)), { timeoutMs: 900 });
      }
      const result = await outcome;
      expect(result?.error).toBeInstanceOf(ExecTimeoutError);
      expect(result?.elapsed).toBeGreaterThanOrEqual(990);
      expect(result?.elapsed).toBeLessThan(2_500);
      if (ctx.runsProcesses) {
        // SIGKILL was sent before the rejection; a moment to be reaped, never a second one.
        await waitFor('the timed-out command gone', async () => !trace.test(await processes(id)), { timeoutMs: 500, intervalMs: 50 });
      }
    }

    it('rejects with ExecTimeoutError once the timeout has passed, and the command is gone', async () => {
      await expectTimeout(['sleep', '37'], /sleep 37/);
    });

    if (ctx.runsProcesses) {
      it('collects stdout and stderr, cut to 4 KiB', async () => {
        const id = await ctx.run(ctx.scope());
        const both = await runtime().exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 1'], 5_000);
        expect(both.exitCode).toBe(1);
        expect(both.output.split('\n').sort()).toEqual(['', 'err', 'out']);
        const long = await runtime().exec(id, ['sh', '-c', "head -c 100000 /dev/zero | tr '\\0' x"], 5_000);
        expect(long).toEqual({ exitCode: 0, output: 'x'.repeat(4096) });
      });

      it('kills a timed-out shell together with its children', async () => {
        await expectTimeout(['sh', '-c', 'sleep 38; echo never'], /sleep 38/);
      });

      it('reports a missing binary as the exit code the engine gives it, not as an error', async () => {
        const id = await ctx.run(ctx.scope());
        const result = await runtime().exec(id, ['no-such-binary'], 5_000);
        expect([126, 127]).toContain(result.exitCode);
      });
    }
  });
}
