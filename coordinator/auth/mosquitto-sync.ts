import { execFile } from 'node:child_process';
import { chown, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AclOptions } from '../../protocol/acl.js';
import { writeFileAtomic } from '../../protocol/atomic-file.js';
import type { Topics } from '../../protocol/topics.js';
import { MOSQUITTO_FILES, renderAclFile, renderPasswordFile, type MosquittoCredential } from './mosquitto-files.js';

/** The default `--mosquitto-reload`: SIGHUP makes mosquitto re-read its password and ACL files. */
export const DEFAULT_MOSQUITTO_RELOAD = 'pkill -HUP -x mosquitto';

/**
 * The group mosquitto reads its files as. Started as root, mosquitto drops to the
 * `mosquitto` user before it reads the password file, the ACL file and the TLS key, so
 * a root-owned 0600 file is "unable to open" for it. Those files are written 0640 to
 * this group; undefined (not root, or no such group) keeps them 0600.
 */
export async function mosquittoGroupId(groupFile = '/etc/group', isRoot = process.getuid?.() === 0): Promise<number | undefined> {
  if (!isRoot) return undefined;
  const text = await readFile(groupFile, 'utf8').catch(() => '');
  const line = text.split('\n').find((entry) => entry.startsWith('mosquitto:'));
  const gid = Number(line?.split(':')[2]);
  return line !== undefined && Number.isInteger(gid) ? gid : undefined;
}

/** Writes a file only root and mosquitto's group read; atomic (see writeFileAtomic). */
export async function writeSecretFile(path: string, text: string, gid: number | undefined): Promise<void> {
  await writeFileAtomic(path, text, gid === undefined ? 0o600 : 0o640);
  if (gid !== undefined) await chown(path, 0, gid);
}

/** Copies a PEM file into mosquitto's folder with the same ownership rules. */
export async function copySecretFile(from: string, to: string, gid: number | undefined): Promise<void> {
  await writeSecretFile(to, await readFile(from, 'utf8'), gid);
}

/** Rewrites `dir/passwords` and `dir/acl` from the credentials (each atomically). */
export async function writeMosquittoAuthFiles(
  dir: string,
  credentials: readonly MosquittoCredential[],
  topics: Topics,
  options: AclOptions,
  gid: number | undefined,
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeSecretFile(join(dir, MOSQUITTO_FILES.passwords), renderPasswordFile(credentials), gid);
  await writeSecretFile(join(dir, MOSQUITTO_FILES.acl), renderAclFile(credentials, topics, options), gid);
}

/** Runs the reload command through `sh -c`; resolves with what went wrong, or undefined. Never rejects. */
export function runReloadCommand(command: string, timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error === null) return resolve(undefined);
      const output = `${stderr}${stdout}`.trim().slice(0, 500);
      resolve(`${command}: ${error.killed ? 'timed out' : `exit ${String(error.code)}`}${output === '' ? '' : `: ${output}`}`);
    });
  });
}

export interface MosquittoSyncOptions {
  dir: string;
  reloadCommand: string;
  topics: Topics;
  acl: AclOptions;
  /** The credentials as they are now (AuthStore.credentials). */
  credentials: () => readonly MosquittoCredential[];
  /** A pino Logger fits. */
  log: { info(fields: Record<string, unknown>, message: string): void; warn(fields: Record<string, unknown>, message: string): void };
  /** For tests; mosquittoGroupId() otherwise. */
  gid?: number | undefined;
}

/**
 * Keeps mosquitto's password and ACL files equal to the credentials: `sync()` after every
 * credential change rewrites both and runs the reload command. Calls made while one runs
 * fold into one more run that reads the credentials then (latest wins). Never rejects; a
 * failure is logged and the next change tries again.
 */
export class MosquittoSync {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: MosquittoSyncOptions) {}

  sync(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        await this.once();
      } while (this.again);
      this.running = undefined;
    };
    this.running = run();
    return this.running;
  }

  private async once(): Promise<void> {
    const { dir, reloadCommand, topics, acl, log } = this.options;
    try {
      const gid = 'gid' in this.options ? this.options.gid : await mosquittoGroupId();
      const credentials = this.options.credentials();
      await writeMosquittoAuthFiles(dir, credentials, topics, acl, gid);
      const problem = await runReloadCommand(reloadCommand);
      if (problem === undefined) log.info({ dir, credentials: credentials.length }, 'mosquitto files rewritten and reloaded');
      else log.warn({ dir, reason: problem }, 'mosquitto files rewritten; the reload command failed (mosquitto uses the old ones until it reloads)');
    } catch (error) {
      log.warn({ dir, reason: (error as Error).message }, 'cannot rewrite the mosquitto files');
    }
  }
}

