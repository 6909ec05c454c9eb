import type { PodSpec } from '../protocol/manifest.js';

/**
 * What this node lets pods do, from the agent's own configuration: a pod asking for
 * more is rejected by the node (phase Failed, with the reason), as kubelet's admission
 * does, and none of its containers is created.
 */
export interface NodePolicy {
  /** `--allow-privileged`: containers may set securityContext.privileged. */
  readonly allowPrivileged: boolean;
}

export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly reason: string; readonly message: string };

export function admit(node: string, spec: PodSpec, policy: NodePolicy): Admission {
  const privileged = spec.containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  if (privileged.length > 0 && !policy.allowPrivileged) {
    return {
      admitted: false,
      reason: 'Forbidden',
      message: `privileged containers are not allowed on node ${node} (container ${privileged.join(', ')} sets securityContext.privileged); start its baton-agent with --allow-privileged to allow them`,
    };
  }
  return { admitted: true };
}
