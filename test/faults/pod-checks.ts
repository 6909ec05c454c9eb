import { expect } from 'vitest';
import type { DesiredPod } from '../../protocol/messages.js';
import { nodeContainers, type NodeContainer } from '../support/node-containers.js';
import { specPod, testPod } from '../integration/agent-harness.js';
import { TEST_IMAGE } from '../support/docker.js';

/** The pods and checks the fault tests share. */

/**
 * A pod whose container exits with an error after half a second, restartPolicy Always:
 * with the agent's `--backoff 1s --backoff-max 1s` it is restarted every second and a half.
 */
export function crashPod(name: string): DesiredPod {
  return testPod(name, { command: ['sh', '-c', 'sleep 0.5; exit 1'], restartPolicy: 'Always' });
}

/**
 * A pod whose liveness probe (`cat /tmp/alive`, every second) passes until the file is
 * removed (`docker exec ID rm /tmp/alive`): then the agent kills and restarts it.
 */
export function livenessPod(name: string): DesiredPod {
  return specPod(name, {
    // The shell as PID 1 ignores SIGTERM: no grace period to sit out when the probe kills it.
    terminationGracePeriodSeconds: 0,
    containers: [{
      name: 'main',
      image: TEST_IMAGE,
      command: ['sh', '-c', 'touch /tmp/alive; sleep 3600'],
      livenessProbe: { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
}

/**
 * The restart count Docker's labels give the pod's current container (Baton restarts by
 * replacing the container, counting in its restart-count label); -1 if it has none.
 */
export function currentRestarts(containers: readonly NodeContainer[], pod: string): number {
  return Math.max(-1, ...containers.filter((c) => c.pod === pod && !c.isSandbox).map((c) => Number(c.batonRestartCount ?? '0')));
}

export async function restartsInDocker(node: string, pod: string): Promise<number> {
  return currentRestarts(await nodeContainers([node]), pod);
}

/** Each of `before` is in `now` as the same instance: same ID, still running, same start, never restarted. */
export function sameInstances(before: readonly NodeContainer[], now: readonly NodeContainer[]): void {
  for (const b of before) {
    const n = now.find((c) => c.id === b.id);
    const what = `${b.pod}/${b.container} ${b.id.slice(0, 12)}`;
    expect(n, `${what} is still there`).toBeDefined();
    expect(n?.running, `${what} runs`).toBe(true);
    expect(n?.startedAt, `${what} was not restarted`).toBe(b.startedAt);
    expect(n?.restartCount, `${what} Docker RestartCount`).toBe(b.restartCount);
    expect(n?.batonRestartCount, `${what} Baton restart count`).toBe(b.batonRestartCount);
  }
}
