import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { probeExec } from './exec-prober.js';

let runtime: FakeRuntime;
let id: string;

beforeEach(async () => {
  runtime = new FakeRuntime({ images: ['app:1'] });
  id = await runtime.createContainer({ name: 'app', image: 'app:1', labels: {}, env: [], ports: [] });
  await runtime.startContainer(id);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('probeExec', () => {
  it('succeeds for exit code 0, with the output as its message', async () => {
    runtime.execHandler = () => ({ exitCode: 0, output: 'healthy\n' });
    expect(await probeExec(runtime, id, ['cat', '/tmp/healthy'], 1000)).toEqual({ success: true, message: 'healthy' });
  });

  it('runs the command given, in the container given', async () => {
    const seen: [string, readonly string[]][] = [];
    runtime.execHandler = (containerId, command) => {
      seen.push([containerId, command]);
      return { exitCode: 0, output: '' };
    };
    await probeExec(runtime, id, ['cat', '/tmp/healthy'], 1000);
    expect(seen).toEqual([[id, ['cat', '/tmp/healthy']]]);
  });

  it('fails for a non-zero exit, with the output as kubelet reports it', async () => {
    runtime.execHandler = () => ({ exitCode: 1, output: 'cat: can\'t open \'/tmp/healthy\': No such file or directory\n' });
    expect(await probeExec(runtime, id, ['cat', '/tmp/healthy'], 1000)).toEqual({
      success: false,
      message: "cat: can't open '/tmp/healthy': No such file or directory",
    });
  });

  it('names the command and exit code when the command printed nothing', async () => {
    expect(await probeExec(runtime, id, ['sh', '-c', 'exit 3'], 1000)).toEqual({ success: false, message: 'command "sh -c exit 3" exited with code 3' });
  });

  it('fails with "command timed out" at the timeout', async () => {
    vi.useFakeTimers();
    runtime.execHandler = () => new Promise(() => undefined);
    const pending = probeExec(runtime, id, ['sleep', '100'], 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pending).toEqual({ success: false, message: 'command timed out' });
  });

  it('fails with the reason when the command cannot run at all', async () => {
    runtime.exit(id, 137);
    const outcome = await probeExec(runtime, id, ['cat', '/tmp/healthy'], 1000);
    expect(outcome.success).toBe(false);
    expect(outcome.message).toMatch(/^failed to run a command in container .*: container .* is not running$/);
  });
});
