import type { PodStatus } from '../../protocol/messages.js';

/**
 * The READY, STATUS and RESTARTS columns of `baton get pods`, derived as kubectl does.
 * Pure functions over a pod's status.
 */

/**
 * STATUS: the pod's reason or phase, overridden by the first container that is waiting
 * (ContainerCreating, ErrImagePull, CrashLoopBackOff) or terminated (Completed, Error,
 * or ExitCode:N / Signal:N when no reason was given).
 */
export function podStatusColumn(status: PodStatus): string {
  let reason: string = status.reason !== undefined && status.reason !== '' ? status.reason : status.phase;
  let hasRunning = false;
  // Walk from the last container to the first so the first container's state wins.
  for (const container of [...status.containerStatuses].reverse()) {
    const { waiting, terminated, running } = container.state;
    if (waiting !== undefined && waiting.reason !== '') {
      reason = waiting.reason;
    } else if (terminated !== undefined && terminated.reason !== '') {
      reason = terminated.reason;
    } else if (terminated !== undefined) {
      reason = terminated.signal !== undefined && terminated.signal !== 0 ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    } else if (container.ready && running !== undefined) {
      hasRunning = true;
    }
  }
  // One container finished while another still runs: the pod as a whole is running.
  if (reason === 'Completed' && hasRunning) {
    reason = status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  return reason;
}

/** READY: ready containers out of the containers the pod spec asks for. */
export function readyColumn(status: PodStatus, containerCount: number): string {
  const ready = status.containerStatuses.filter((c) => c.ready).length;
  return `${ready}/${Math.max(containerCount, status.containerStatuses.length)}`;
}

/** RESTARTS: the sum over the pod's containers. */
export function restartsColumn(status: PodStatus): string {
  return String(status.containerStatuses.reduce((sum, c) => sum + c.restartCount, 0));
}
