import type { PodSpec } from '../protocol/manifest.js';
import { PROTECTED_PATHS, refusals, type NodeAllows, type ProtectedPath, type Refusal } from '../protocol/node-allows.js';

/**
 * What this node lets pods do, from the agent's own flags: a pod asking for more is
 * rejected by the node (phase Failed, reason Forbidden, the message naming what was
 * refused and the flag that would allow it), as kubelet's admission does, and none of
 * its containers is created; one already running (the flags were narrowed across a
 * restart) is stopped and removed, as kubelet re-admits its pods when it starts. Safe
 * by default: a field left out allows nothing.
 */
export interface NodePolicy {
  /** `--allow-privileged`: containers may set securityContext.privileged. */
  readonly allowPrivileged: boolean;
  /** `--allow-host-network`: the pod may set hostNetwork. */
  readonly allowHostNetwork?: boolean;
  /** `--allow-host-path`: a hostPath (not a device) must be one of these or lie under one. */
  readonly allowedHostPaths?: readonly string[];
  /** `--allow-device`: a device hostPath must match one of these (see isDeviceAllowed). */
  readonly allowedDevices?: readonly string[];
  /** Besides PROTECTED_PATHS: paths of this agent a hostPath may expose only when named exactly (its state directory, its engine's socket). */
  readonly protectedPaths?: readonly ProtectedPath[];
}

export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly reason: string; readonly message: string };

/** What the node publishes in its status as `allows`. */
export function nodeAllows(policy: NodePolicy): NodeAllows {
  return {
    privileged: policy.allowPrivileged,
    hostNetwork: policy.allowHostNetwork === true,
    hostPaths: [...(policy.allowedHostPaths ?? [])],
    devices: [...(policy.allowedDevices ?? [])],
  };
}

/** Every protected path this node knows: the engines' sockets and the policy's own. */
export function protectedPathsOf(policy: NodePolicy): ProtectedPath[] {
  return [...PROTECTED_PATHS, ...(policy.protectedPaths ?? [])];
}

/** Admits the pod or says why not, every refused privilege named, in manifest order. Pure. */
export function admit(node: string, spec: PodSpec, policy: NodePolicy): Admission {
  const refused = refusals(spec, nodeAllows(policy), protectedPathsOf(policy));
  if (refused.length === 0) return { admitted: true };
  return { admitted: false, reason: 'Forbidden', message: refused.map((r) => describeRefusal(node, r)).join('; ') };
}

/** `hostPath /srv/x/../etc (that is /etc)`: the path as the manifest wrote it, and what it comes to when they differ. */
function pathAsWritten(path: string, normalPath: string): string {
  return path === normalPath ? path : `${path} (that is ${normalPath})`;
}

/** One refusal in words: what the pod asked, where in it, and the flag that would allow it. */
export function describeRefusal(node: string, refusal: Refusal): string {
  const { privilege } = refusal;
  switch (privilege.kind) {
    case 'privileged':
      return `privileged containers are not allowed on node ${node} (container ${privilege.container} sets securityContext.privileged); start its baton-agent with --allow-privileged to allow them`;
    case 'hostNetwork':
      return `the host network is not allowed on node ${node} (the pod sets hostNetwork); start its baton-agent with --allow-host-network to allow it`;
    case 'device': {
      const type = privilege.type === '' ? '' : `, type ${privilege.type}`;
      return `device ${pathAsWritten(privilege.path, privilege.normalPath)} is not allowed on node ${node} (volume ${privilege.volume}, hostPath${type}); start its baton-agent with --allow-device ${privilege.normalPath} to allow it`;
    }
    case 'hostPath': {
      const path = pathAsWritten(privilege.path, privilege.normalPath);
      if (refusal.holds !== undefined) {
        return `hostPath ${path} is not allowed on node ${node} (volume ${privilege.volume}): it holds ${refusal.holds.path}, ${refusal.holds.what}, so only an --allow-host-path ${privilege.normalPath} naming it exactly allows it`;
      }
      return `hostPath ${path} is not allowed on node ${node} (volume ${privilege.volume}); start its baton-agent with --allow-host-path ${privilege.normalPath} (or a directory above it) to allow it`;
    }
    default: {
      const unknown: never = privilege;
      throw new Error(`unknown privilege ${JSON.stringify(unknown)}`);
    }
  }
}
