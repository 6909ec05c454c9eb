import { posix } from 'node:path';
import * as z from 'zod';
import type { HostPathType, PodSpec } from './manifest.js';

/**
 * What a node lets its pods take from it beyond a plain container, and the one set of
 * rules that decides whether a pod fits: the agent enforces them (it is the security
 * boundary), the coordinator's scheduler applies the same ones to the `allows` a node
 * publishes, so a pod it places is one the node admits. Pure; paths are compared as
 * written (normalised), never looked up: the agent checks symbolic links separately,
 * when it creates the container.
 */

/**
 * Published in the node status. Each entry left out (an older or newer agent) means
 * nothing of that kind is allowed; a node status without `allows` at all is read the
 * same way: the safe reading.
 */
export const nodeAllowsSchema = z.object({
  /** `--allow-privileged`. */
  privileged: z.boolean().default(false),
  /** `--allow-host-network`. */
  hostNetwork: z.boolean().default(false),
  /** `--allow-host-path`: a pod's hostPath must be one of these or lie under one. */
  hostPaths: z.array(z.string().max(4096)).max(256).default([]),
  /** `--allow-device`: an exact path, a directory whose devices are all allowed, or a prefix ending in `*`. */
  devices: z.array(z.string().max(4096)).max(256).default([]),
});
export type NodeAllows = z.output<typeof nodeAllowsSchema>;

export const NOTHING_ALLOWED: NodeAllows = { privileged: false, hostNetwork: false, hostPaths: [], devices: [] };

/**
 * Paths that hand a pod the node itself: the container engines' sockets (whoever can
 * talk to them is root on the node). A hostPath that is one of these or holds one (`/`,
 * `/run`, `/var/run`) is admitted only when an allowance names that very path, never
 * through a broader one: `--allow-host-path /` lets a pod mount `/srv/data` or `/`, but
 * not `/run`. The agent adds its own (its state directory, a `--docker-host` socket).
 */
export const PROTECTED_PATHS: readonly ProtectedPath[] = [
  { path: '/var/run/docker.sock', what: 'the Docker socket (root on the node)' },
  { path: '/run/docker.sock', what: 'the Docker socket (root on the node)' },
  { path: '/run/containerd/containerd.sock', what: 'the containerd socket (root on the node)' },
  { path: '/var/run/containerd/containerd.sock', what: 'the containerd socket (root on the node)' },
];

export interface ProtectedPath {
  readonly path: string;
  /** Said in the refusal: `the Docker socket (root on the node)`. */
  readonly what: string;
}

/** One thing a pod asks of its node beyond a plain container. */
export type PodPrivilege =
  | { readonly kind: 'privileged'; readonly container: string }
  | { readonly kind: 'hostNetwork' }
  /** `path` as written; `normalPath` with `.`, `..` and repeated or trailing slashes gone. */
  | { readonly kind: 'hostPath'; readonly volume: string; readonly path: string; readonly normalPath: string }
  | { readonly kind: 'device'; readonly volume: string; readonly path: string; readonly normalPath: string; readonly type: HostPathType };

/** A privilege the node does not allow; `holds` when the path is refused for holding a protected path. */
export interface Refusal {
  readonly privilege: PodPrivilege;
  readonly holds?: ProtectedPath;
}

/** `/srv//data/../x/` -> `/srv/x`; `/` stays `/`. The input is absolute (the manifest schema sees to that). */
export function normalizeHostPath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** True when `path` is `base` or lies under it, by whole path segments: `/srv/data` holds `/srv/data/x`, not `/srv/database`. Both normalised. */
export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(base === '/' ? '/' : `${base}/`);
}

/** A hostPath is a device when its type says so or it lies under /dev, whatever it turns out to be. */
export function isDevicePath(normalPath: string, type: HostPathType): boolean {
  return type === 'CharDevice' || type === 'BlockDevice' || isWithin(normalPath, '/dev');
}

/** Every privilege the pod asks for, in manifest order: containers, then hostNetwork, then volumes. */
export function podPrivileges(spec: Pick<PodSpec, 'containers' | 'hostNetwork' | 'volumes'>): PodPrivilege[] {
  const privileges: PodPrivilege[] = spec.containers
    .filter((c) => c.securityContext?.privileged === true)
    .map((c) => ({ kind: 'privileged', container: c.name }));
  if (spec.hostNetwork === true) privileges.push({ kind: 'hostNetwork' });
  for (const v of spec.volumes ?? []) {
    if (v.hostPath === undefined) continue;
    const normalPath = normalizeHostPath(v.hostPath.path);
    privileges.push(
      isDevicePath(normalPath, v.hostPath.type)
        ? { kind: 'device', volume: v.name, path: v.hostPath.path, normalPath, type: v.hostPath.type }
        : { kind: 'hostPath', volume: v.name, path: v.hostPath.path, normalPath },
    );
  }
  return privileges;
}

/**
 * True when a device allowance admits the (normalised) device path: the same path, a
 * path under it (`/dev/bus/usb` admits `/dev/bus/usb/001/004`), or, for an allowance
 * ending in `*`, any path starting with what comes before it (`/dev/ttyUSB*` admits
 * `/dev/ttyUSB0`). Without the `*`, `/dev/i2c-1` does not admit `/dev/i2c-10`.
 */
export function isDeviceAllowed(normalPath: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => (a.endsWith('*') ? normalPath.startsWith(a.slice(0, -1)) : isWithin(normalPath, normalizeHostPath(a))));
}

/**
 * Why the (normalised) host path is not admitted, or undefined if it is: it must lie
 * within an allowance, and if it is or holds a protected path, an allowance must name
 * it exactly.
 */
export function hostPathRefusal(normalPath: string, allowed: readonly string[], protectedPaths: readonly ProtectedPath[]): { holds?: ProtectedPath } | undefined {
  const allowances = allowed.map(normalizeHostPath);
  if (!allowances.some((a) => isWithin(normalPath, a))) return {};
  const holds = protectedPaths.find((p) => isWithin(normalizeHostPath(p.path), normalPath));
  if (holds !== undefined && !allowances.includes(normalPath)) return { holds };
  return undefined;
}

/** The privileges of the pod the node does not allow, in manifest order; empty when it may run there. */
export function refusals(spec: Pick<PodSpec, 'containers' | 'hostNetwork' | 'volumes'>, allows: NodeAllows, protectedPaths: readonly ProtectedPath[] = PROTECTED_PATHS): Refusal[] {
  const refused: Refusal[] = [];
  for (const privilege of podPrivileges(spec)) {
    switch (privilege.kind) {
      case 'privileged':
        if (!allows.privileged) refused.push({ privilege });
        break;
      case 'hostNetwork':
        if (!allows.hostNetwork) refused.push({ privilege });
        break;
      case 'device':
        if (!isDeviceAllowed(privilege.normalPath, allows.devices)) refused.push({ privilege });
        break;
      case 'hostPath': {
        const refusal = hostPathRefusal(privilege.normalPath, allows.hostPaths, protectedPaths);
        if (refusal !== undefined) refused.push({ privilege, ...refusal });
        break;
      }
      default: {
        const unknown: never = privilege;
        throw new Error(`unknown privilege ${JSON.stringify(unknown)}`);
      }
    }
  }
  return refused;
}
