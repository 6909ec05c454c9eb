import type { PodStatus } from '../protocol/messages.js';

/** What a pod's reported status says of it, as the control loop reads it. Pure. */

export function isPodReady(status: PodStatus | undefined): boolean {
  return status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Succeeded and Failed pods no longer hold their node's resources. */
export function isPodTerminal(status: PodStatus | undefined): boolean {
  return status?.phase === 'Succeeded' || status?.phase === 'Failed';
}
