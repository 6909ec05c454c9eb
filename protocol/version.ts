/** Baton's release version; a unit test keeps it equal to package.json's. */
export const BATON_VERSION = '0.1.0';

/** The wire protocol's version: the second segment of every topic. */
export const PROTOCOL_VERSION = 'v1';

/**
 * The architecture under Node's release names (x64, arm64, armv7l: the suffixes of the
 * binaries' file names). Node says `arm` for every 32-bit ARM; the ARM version it was
 * built for tells an armv7l Node from an armv6l one. Anything else is `arch` as Node
 * names it.
 */
export function releaseArch(arch: string = process.arch, armVersion: unknown = buildVariables()['arm_version']): string {
  if (arch === 'arm') return armVersion === undefined ? 'arm' : `armv${String(armVersion)}l`;
  return arch;
}

function buildVariables(): Readonly<Record<string, unknown>> {
  return process.config.variables as Readonly<Record<string, unknown>>;
}

/** The first line of every program's `--version`: `<program> <version> (protocol v1, <arch>)`. */
export function versionLine(program: string): string {
  return `${program} ${BATON_VERSION} (protocol ${PROTOCOL_VERSION}, ${releaseArch()})`;
}
