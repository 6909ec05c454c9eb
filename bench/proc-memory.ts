import { readFile } from 'node:fs/promises';

/**
 * A process's memory from /proc/<pid>/smaps_rollup (Linux 4.14+), in bytes.
 * - `rss`: resident pages, shared ones included. Most of a Node process's RSS is the
 *   runtime's own file-backed code, which other processes of the same binary would share.
 * - `pss`: RSS with each shared page divided by the number of processes mapping it.
 * - `private`: Private_Clean + Private_Dirty, the pages no other process maps: the memory
 *   freed if it exited. File-backed pages count here too when nothing else maps the file:
 *   a single binary's own code and data (the only process of that binary), while
 *   `node dist/baton-agent.js` shares node's with every other node process running.
 * - `anonymous`: memory backed by no file (V8's heap, malloc, stacks, JIT code): what the
 *   heap flags govern, the same whoever else runs.
 */
export interface MemoryReading {
  readonly rss: number;
  readonly pss: number;
  readonly private: number;
  readonly anonymous: number;
}

/** Parses smaps_rollup's `Key:   1234 kB` lines. Throws when a field it needs is missing. */
export function parseSmapsRollup(text: string): MemoryReading {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+) kB$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) kib.set(match[1], Number(match[2]));
  }
  const read = (key: string): number => {
    const value = kib.get(key);
    if (value === undefined) throw new Error(`smaps_rollup has no ${key}`);
    return value * 1024;
  };
  return { rss: read('Rss'), pss: read('Pss'), private: read('Private_Clean') + read('Private_Dirty'), anonymous: read('Anonymous') };
}

/** The memory of `pid`, or undefined once it is gone. */
export async function readMemory(pid: number): Promise<MemoryReading | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return undefined;
  }
  return parseSmapsRollup(text);
}

export interface Spread {
  readonly median: number;
  readonly max: number;
}

/** Median (the mean of the middle two for an even count) and maximum. Throws on no samples. */
export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { median, max: sorted[sorted.length - 1] ?? 0 };
}

export interface MemorySpread {
  readonly samples: number;
  readonly rss: Spread;
  readonly pss: Spread;
  readonly private: Spread;
  readonly anonymous: Spread;
}

export function memorySpread(readings: readonly MemoryReading[]): MemorySpread {
  return {
    samples: readings.length,
    rss: spread(readings.map((r) => r.rss)),
    pss: spread(readings.map((r) => r.pss)),
    private: spread(readings.map((r) => r.private)),
    anonymous: spread(readings.map((r) => r.anonymous)),
  };
}
