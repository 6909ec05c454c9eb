import { readdir, readFile } from 'node:fs/promises';

/**
 * A process's I/O counters from /proc/<pid>/io (Linux). `writeBytes` is what reached the
 * storage layer: the disk writes an SD card feels. `wchar` counts every write() call,
 * to files, sockets and pipes alike.
 */
export interface IoCounters {
  readonly writeBytes: number;
  readonly cancelledWriteBytes: number;
  readonly wchar: number;
}

export const NO_IO: IoCounters = { writeBytes: 0, cancelledWriteBytes: 0, wchar: 0 };

export function parseProcIo(text: string): IoCounters {
  const fields = new Map(text.split('\n').map((line) => {
    const [key = '', value = ''] = line.split(':');
    return [key.trim(), Number(value.trim())] as const;
  }));
  const read = (key: string): number => {
    const value = fields.get(key);
    if (value === undefined || !Number.isFinite(value)) throw new Error(`/proc io has no ${key}`);
    return value;
  };
  return { writeBytes: read('write_bytes'), cancelledWriteBytes: read('cancelled_write_bytes'), wchar: read('wchar') };
}

export function addIo(a: IoCounters, b: IoCounters): IoCounters {
  return { writeBytes: a.writeBytes + b.writeBytes, cancelledWriteBytes: a.cancelledWriteBytes + b.cancelledWriteBytes, wchar: a.wchar + b.wchar };
}

export function subtractIo(after: IoCounters, before: IoCounters): IoCounters {
  return { writeBytes: after.writeBytes - before.writeBytes, cancelledWriteBytes: after.cancelledWriteBytes - before.cancelledWriteBytes, wchar: after.wchar - before.wchar };
}

/** The counters of `pid`, or undefined once it is gone. */
export async function readIo(pid: number): Promise<IoCounters | undefined> {
  try {
    return parseProcIo(await readFile(`/proc/${pid}/io`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The counters of `pid` and of each live descendant of it, by PID. */
export async function readTreeIo(pid: number): Promise<Map<number, IoCounters>> {
  const counters = new Map<number, IoCounters>();
  for (const member of await processTree(pid)) {
    const io = await readIo(member);
    if (io !== undefined) counters.set(member, io);
  }
  return counters;
}

/**
 * What a process tree wrote between two readings: for a process in both, the difference;
 * for one that appeared, all of it. One that came and went between the readings is
 * counted in its parent's counters, which take in the children it has waited for.
 */
export function treeDelta(before: ReadonlyMap<number, IoCounters>, after: ReadonlyMap<number, IoCounters>): IoCounters {
  let total = NO_IO;
  for (const [pid, io] of after) total = addIo(total, subtractIo(io, before.get(pid) ?? NO_IO));
  return total;
}

/** `pid` and every live descendant of it, from /proc/<pid>/task/<tid>/children. */
export async function processTree(pid: number): Promise<number[]> {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i] ?? pid;
    const tasks = await readdir(`/proc/${parent}/task`).catch((): string[] => []);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${parent}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const child of children.split(/\s+/).filter(Boolean)) tree.push(Number(child));
    }
  }
  return tree;
}
