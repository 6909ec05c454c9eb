import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { processTree } from './proc-io.js';

/**
 * The CPU time a process tree used, from /proc/<pid>/stat, in clock ticks.
 *
 * Each live member counts utime + stime + cutime + cstime: its own time and that of the
 * children it has waited for. The tree's use over a window is then simply the total at
 * the end minus the total at the start: a child that ran and was reaped in the window
 * shows up in its parent's cutime; one that existed at the start and was reaped later
 * moves from its own line into its parent's, unchanged. Only a child orphaned (its parent
 * gone before it) escapes, which an agent that keeps running does not do. The agent's
 * own children are few (systemd-notify under systemd only); Docker's work on its behalf
 * (in dockerd, containerd, the shims) is not counted here.
 */
export interface CpuTicks {
  /** utime + stime of the process itself. */
  readonly own: number;
  /** cutime + cstime: its waited-for children. */
  readonly children: number;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcStat(text: string): CpuTicks {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('/proc stat has no command name');
  // Fields after the name start at field 3 (state); utime is field 14.
  const fields = text.slice(end + 1).trim().split(/\s+/).map(Number);
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]];
  if (utime === undefined || stime === undefined || cutime === undefined || cstime === undefined || ![utime, stime, cutime, cstime].every(Number.isFinite)) {
    throw new Error('/proc stat is too short');
  }
  return { own: utime + stime, children: cutime + cstime };
}

/** The ticks of `pid` and every live descendant, summed; undefined once `pid` is gone. */
export async function readTreeCpu(pid: number): Promise<CpuTicks | undefined> {
  let own = 0;
  let children = 0;
  for (const member of await processTree(pid)) {
    const text = await readFile(`/proc/${member}/stat`, 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (member === pid) return undefined;
      continue;
    }
    const ticks = parseProcStat(text);
    // A live descendant's own ticks belong to the tree's children, like the reaped ones'.
    if (member === pid) own += ticks.own;
    else children += ticks.own;
    children += ticks.children;
  }
  return { own, children };
}

export function subtractCpu(after: CpuTicks, before: CpuTicks): CpuTicks {
  return { own: after.own - before.own, children: after.children - before.children };
}

/** Clock ticks per second (USER_HZ), 100 on every Linux we know, asked of getconf anyway. */
export async function ticksPerSecond(): Promise<number> {
  const { stdout } = await promisify(execFile)('getconf', ['CLK_TCK']);
  const hz = Number(stdout.trim());
  if (!Number.isInteger(hz) || hz <= 0) throw new Error(`getconf CLK_TCK said ${JSON.stringify(stdout.trim())}`);
  return hz;
}

/** Ticks used over `windowMs` as a percentage of one core. */
export function percentOfCore(ticks: number, hz: number, windowMs: number): number {
  return (ticks / hz / (windowMs / 1000)) * 100;
}
