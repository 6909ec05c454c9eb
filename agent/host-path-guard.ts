import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HostPathType } from '../protocol/manifest.js';
import { hostPathRefusal, isDeviceAllowed, isWithin, normalizeHostPath, type ProtectedPath } from '../protocol/node-allows.js';
import { protectedPathsOf, type NodePolicy } from './admission.js';
import { HostPathError, type HostPathKind } from './host-paths.js';

/**
 * Admission judges a hostPath as written; this judges what it leads to on the node, when
 * the container is about to be created. A directory a pod may write to (under an
 * allowed path) could hold a symbolic link to `/etc` or `/run`, planted by that pod for
 * another one: a hostPath through such a link must still end up where the flags allow.
 * And a path that turns out to be a device node is mapped as a device (see execute.ts),
 * so it must be allowed as one, wherever it lies.
 *
 * Paths under /dev are judged as written: udev owns /dev, and no pod can write there
 * unless allowed /dev itself. What is left open: a link swapped between this check and
 * the engine's mount (the engine follows links itself); closing that needs the resolved
 * path to be what is bound.
 *
 * A refusal throws HostPathError: the container is not created, its status says
 * CreateContainerConfigError with the message, and a FailedMount event tells of it.
 */

export type PrepareHostPath = (path: string, type: HostPathType) => Promise<HostPathKind>;

/** Wraps `prepare` (host-paths.ts) with the checks above; the same signature, so the executor does not know. */
export function guardHostPaths(policy: NodePolicy, node: string, prepare: PrepareHostPath): PrepareHostPath {
  return async (path, type) => {
    const normal = normalizeHostPath(path);
    const devices = policy.allowedDevices ?? [];
    if (isWithin(normal, '/dev')) return prepare(path, type);
    const resolved = await resolveExisting(normal);
    if (resolved !== normal) {
      const why = await resolvedRefusal(resolved, policy);
      if (why !== undefined) {
        throw new HostPathError(path, type, `hostPath ${path} leads to ${resolved} through a symbolic link, and ${why} on node ${node}`);
      }
    }
    // Checked before anything is created, so a DirectoryOrCreate makes nothing where it may not.
    const kind = await prepare(path, type);
    if ((kind === 'charDevice' || kind === 'blockDevice') && !isDeviceAllowed(normal, devices) && !isDeviceAllowed(resolved, devices)) {
      throw new HostPathError(path, type, `hostPath ${path} is a device on node ${node}, and devices are allowed only by --allow-device; start its baton-agent with --allow-device ${resolved} to allow it`);
    }
    return kind;
  };
}

/** Why the resolved path may not be used, or undefined; the allowances and protected paths are resolved too, so `/var/run/docker.sock` matches `/run/docker.sock`. */
async function resolvedRefusal(resolved: string, policy: NodePolicy): Promise<string | undefined> {
  if (isWithin(resolved, '/dev')) {
    return isDeviceAllowed(resolved, policy.allowedDevices ?? []) ? undefined : `${resolved} is a device, not allowed without --allow-device ${resolved}`;
  }
  const allowed = await withResolved(policy.allowedHostPaths ?? []);
  const protectedPaths: ProtectedPath[] = [];
  for (const p of protectedPathsOf(policy)) {
    protectedPaths.push(p);
    const real = await resolveExisting(normalizeHostPath(p.path));
    if (real !== p.path) protectedPaths.push({ ...p, path: real });
  }
  const refusal = hostPathRefusal(resolved, allowed, protectedPaths);
  if (refusal === undefined) return undefined;
  if (refusal.holds !== undefined) return `${resolved} holds ${refusal.holds.path}, ${refusal.holds.what}, allowed only by an --allow-host-path ${resolved} naming it exactly`;
  return `${resolved} is not allowed by --allow-host-path`;
}

async function withResolved(paths: readonly string[]): Promise<string[]> {
  const out = [...paths];
  for (const p of paths) {
    const real = await resolveExisting(normalizeHostPath(p));
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

/**
 * The path with every symbolic link followed; for a path not there (yet), its deepest
 * existing ancestor resolved and the rest appended. A dangling link is kept as it is:
 * the path cannot be created through it, so the hostPath check that follows fails.
 */
export async function resolveExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await resolveExisting(parent), basename(path));
  }
}
