import { describe as describeError, ExecTimeoutError, type ContainerRuntime } from '../runtime/runtime.js';
import type { ProbeOutcome } from './probe-result.js';

/**
 * An exec probe: runs the command in the container; exit code 0 is success. The
 * outcome's message is the command's output, as kubelet reports it ("Liveness probe
 * failed: cat: /tmp/healthy: No such file or directory"). A command that outlives the
 * timeout is a failure (the runtime has ended it); a missing binary is a failure (exit
 * code 126 or 127). One the engine refuses to run at all (the container is stopping) is
 * an error, which counts neither way, as in Kubernetes. Never rejects.
 */
export async function probeExec(
  runtime: Pick<ContainerRuntime, 'exec'>,
  containerId: string,
  command: readonly string[],
  timeoutMs: number,
): Promise<ProbeOutcome> {
  try {
    const { exitCode, output } = await runtime.exec(containerId, command, timeoutMs);
    const text = output.trim();
    if (exitCode === 0) return { success: true, message: text };
    return { success: false, message: text !== '' ? text : `command ${JSON.stringify(command.join(' '))} exited with code ${exitCode}` };
  } catch (error) {
    if (error instanceof ExecTimeoutError) return { success: false, message: 'command timed out' };
    return { success: false, isError: true, message: describeError(error) };
  }
}
