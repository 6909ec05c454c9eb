import { BATON_VERSION } from '../../protocol/version.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { pauseElf, type PauseArch } from './pause-elf.js';
import { rootfsTar } from './rootfs-tar.js';

/**
 * The image of pod sandboxes, made on the node itself: a root filesystem holding only
 * `/pause`, imported into the engine. No registry, so a Pi off the internet can still run
 * pods of several containers. Tagged with Baton's version, so an upgrade brings its own.
 */

export const PAUSE_IMAGE = `baton/pause:${BATON_VERSION}`;

/** The sandbox's command. */
export const PAUSE_COMMAND: readonly string[] = ['/pause'];

/**
 * Carried by the image (so also inherited by its containers); says which Baton made it.
 * Not an `io.baton.node`-style container label: it must never make a container look owned.
 */
export const PAUSE_IMAGE_LABEL = 'io.baton.pause-image';

/** The root filesystem tarball of the pause image for `arch`. */
export function pauseRootfs(arch: PauseArch): Buffer {
  return rootfsTar([{ name: 'pause', mode: 0o755, content: pauseElf(arch) }]);
}

/**
 * Makes sure the pause image is on the engine, importing it when absent. Idempotent;
 * two concurrent calls may both import, which only retags the same content.
 */
export async function ensurePauseImage(runtime: ContainerRuntime, arch: PauseArch): Promise<string> {
  if ((await runtime.inspectImage(PAUSE_IMAGE)) === undefined) {
    await runtime.importImage(pauseRootfs(arch), PAUSE_IMAGE, { [PAUSE_IMAGE_LABEL]: BATON_VERSION });
  }
  return PAUSE_IMAGE;
}
