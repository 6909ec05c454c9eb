import type { BinarySize } from './binary-sizes.js';
import type { AtRest } from './footprint.js';
import type { Spread } from './proc-memory.js';
import { describeProgram } from './steady-agent.js';
import { bytes, mib, seconds, table } from './table.js';

/**
 * The bench's printed report: pure functions from measurements to text.
 *
 * DESIGN.md's targets for the agent at rest with 10 pods: under 64 MB RSS and 32 MB
 * private memory, under 1% of a core, no disk writes. A megabyte is read as 10^6 bytes,
 * the stricter of the two readings (64 MB is 61.0 MiB), although /proc and the table
 * print MiB. Memory is judged on the largest sample in the window, not the median: "at
 * rest" should hold all the time.
 */

const MB = 1_000_000;
export const TARGETS = { rssBytes: 64 * MB, privateBytes: 32 * MB, cpuPercent: 1, pods: 10 } as const;

/** `64 MB (61.0 MiB)`: a target as DESIGN.md states it, and as the figures are printed. */
function megabytes(n: number): string {
  return `${n / MB} MB (${mib(n)})`;
}

export function sizesReport(sizes: readonly BinarySize[]): string {
  const size = (n: number | undefined): string => (n === undefined ? '-' : mib(n));
  const ratio = (s: BinarySize): string => (s.rawBytes === undefined || s.xzBytes === undefined ? '-' : `${Math.round((s.xzBytes / s.rawBytes) * 100)} %`);
  return `binary sizes (dist/bin, the files SHA256SUMS lists)\n\n${table([['file', 'raw', 'xz', 'xz/raw'], ...sizes.map((s) => [s.name, size(s.rawBytes), size(s.xzBytes), ratio(s)])])}\n`;
}

function isSteady(run: AtRest): boolean {
  return run.runningAtEnd === run.pods;
}

function label(run: AtRest): string {
  return describeProgram(run.program);
}

export function atRestReport(runs: readonly AtRest[]): string {
  const cpu = (run: AtRest): string => `${run.cpuPercent.toFixed(2)} %${run.childrenCpuPercent > 0 ? ` (children ${run.childrenCpuPercent.toFixed(2)} %)` : ''}`;
  const both = (s: Spread): string => `${mib(s.median)} / ${mib(s.max)}`;
  const rows = runs.map((run) => [
    label(run),
    `${run.pods}${isSteady(run) ? '' : ` (${run.runningAtEnd} Running at the end)`}`,
    seconds(run.windowMs),
    both(run.memory.rss),
    both(run.memory.private),
    both(run.memory.anonymous),
    both(run.memory.pss),
    cpu(run),
  ]);
  const head = ['agent', 'pods', 'window', 'RSS', 'private', 'anonymous', 'Pss', 'CPU, % of one core'];
  const notes = [
    'memory: median / largest of the agent process\'s /proc/PID/smaps_rollup, read every second.',
    '  private = Private_Clean + Private_Dirty: pages no other process maps. The single binary is the',
    "  only process mapping its own file, so its code and data (tens of MiB) count as private; node's are",
    '  shared with the bench\'s own node and count only in RSS. anonymous = heap, malloc, stacks, JIT code:',
    '  what the heap flags govern, comparable across both ways of running.',
    'CPU: utime + stime of the agent and its children (live, and reaped via cutime + cstime) over the',
    "  window; Docker's work on the agent's behalf (dockerd, containerd) is not in it.",
    "the single binary runs with its systemd unit's environment (NODE_OPTIONS, MALLOC_ARENA_MAX) and starts",
    '  with its file dropped from the page cache, as after a boot: started from a file the kernel holds',
    '  whole (one just built), its RSS reads ~15 MiB higher in clean code pages.',
  ];
  return `agent at rest (mosquitto on loopback, busybox sleep pods, all Running and settled)\n\n${table([head, ...rows])}\n\n${notes.join('\n')}\n`;
}

function verdict(isMet: boolean, run: AtRest): string {
  if (!isSteady(run)) return 'not steady (pods stopped running)';
  return isMet ? 'met' : 'MISSED';
}

/** The figures next to DESIGN.md's targets, for each run with the target's pod count. */
export function targetsReport(runs: readonly AtRest[]): string {
  const judged = runs.filter((run) => run.pods === TARGETS.pods);
  if (judged.length === 0) return '';
  const perHour = (run: AtRest, n: number): string => `${bytes((n * 3_600_000) / run.windowMs)}/h`;
  const figures: { name: string; target: string; value: (run: AtRest) => string; isMet: (run: AtRest) => boolean }[] = [
    { name: 'RSS (largest sample)', target: `< ${megabytes(TARGETS.rssBytes)}`, value: (r) => mib(r.memory.rss.max), isMet: (r) => r.memory.rss.max < TARGETS.rssBytes },
    { name: 'private memory (largest sample)', target: `< ${megabytes(TARGETS.privateBytes)}`, value: (r) => mib(r.memory.private.max), isMet: (r) => r.memory.private.max < TARGETS.privateBytes },
    { name: '  of which anonymous (largest sample)', target: `< ${megabytes(TARGETS.privateBytes)}`, value: (r) => mib(r.memory.anonymous.max), isMet: (r) => r.memory.anonymous.max < TARGETS.privateBytes },
    { name: 'CPU, % of one core', target: `< ${TARGETS.cpuPercent} %`, value: (r) => `${r.cpuPercent.toFixed(2)} %`, isMet: (r) => r.cpuPercent < TARGETS.cpuPercent },
    { name: 'disk writes (write_bytes)', target: 'none', value: (r) => perHour(r, r.io.writeBytes), isMet: (r) => r.io.writeBytes === 0 },
    { name: 'log lines (journald would keep them)', target: 'none', value: (r) => perHour(r, r.logBytes), isMet: (r) => r.logBytes === 0 },
  ];
  const head = ['figure', 'target', ...judged.flatMap((run) => [label(run), 'verdict'])];
  const rows = figures.map((f) => [f.name, f.target, ...judged.flatMap((run) => [f.value(run), verdict(f.isMet(run), run)])]);
  return `the agent at rest with ${TARGETS.pods} pods against DESIGN.md's targets (1 MB = 10^6 bytes)\n\n${table([head, ...rows])}\n`;
}

/** What each run wrote: to disk, to its log, and through every write() call. */
export function diskReport(runs: readonly AtRest[]): string {
  const perHour = (run: AtRest, n: number): string => `${bytes((n * 3_600_000) / run.windowMs)}/h`;
  const head = ['agent', 'pods', 'disk (write_bytes)', 'disk, cancelled', 'log (stdout/stderr)', 'all write() calls (MQTT, Docker API, log, files)'];
  const rows = runs.map((run) => [label(run), String(run.pods), perHour(run, run.io.writeBytes), perHour(run, run.io.cancelledWriteBytes), perHour(run, run.logBytes), perHour(run, run.io.wchar)]);
  const logged = runs.filter((run) => run.logSample.length > 0);
  const samples = logged.map((run) => `\nlogged in the window by ${label(run)} with ${run.pods} pods (first lines):\n${run.logSample.map((l) => `  ${l}`).join('\n')}\n`);
  return `what the agent wrote at rest, per hour (the agent and its children, /proc/PID/io)\n\n${table([head, ...rows])}\n${samples.join('')}`;
}
