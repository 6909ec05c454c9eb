import { summarize, type Summary } from './percentiles.js';
import type { PodStartResult } from './pod-start.js';
import { table } from './table.js';

/**
 * The pod-start figures as text: one row per series, p50 and p99 beside min and max,
 * and each p50 against the floor's (difference and ratio). DESIGN.md's target: Baton's
 * p50 within 100 ms of the floor's.
 */

export const TARGET_OVER_FLOOR_MS = 100;

const ms = (n: number): string => `${Math.round(n)} ms`;

export function podStartRows(result: PodStartResult): string[][] {
  const floor = summarize(result.floor.startedMs);
  const row = (name: string, samples: readonly number[]): string[] => {
    const s = summarize(samples);
    if (s === undefined) return [name, '0', '-', '-', '-', '-', '-', '-'];
    return [name, String(s.count), ms(s.min), ms(s.p50), ms(s.p99), ms(s.max), overFloor(s, floor), ratio(s, floor)];
  };
  const swarmName = result.swarm.error === undefined ? 'Docker Swarm: service create -> task container started' : 'Docker Swarm (FAILED, see below)';
  return [
    ['pod start', 'n', 'min', 'p50', 'p99', 'max', 'p50 - floor p50', 'p50 / floor p50'],
    row('floor: docker run -d -> container started', result.floor.startedMs),
    row('  docker run -d exited', result.floor.cliExitedMs),
    row('Baton: baton apply -> Running on the broker', result.baton.runningMs),
    row('  baton apply exited', result.baton.appliedMs),
    row('  its container started', result.baton.startedMs),
    ...(result.batonNodeCli.runningMs.length > 0
      ? [row('Baton, CLI as node dist/baton.js: -> Running', result.batonNodeCli.runningMs), row('  baton apply exited', result.batonNodeCli.appliedMs)]
      : []),
    row(swarmName, result.swarm.startedMs),
  ];
}

function overFloor(s: Summary, floor: Summary | undefined): string {
  if (floor === undefined) return '-';
  const d = s.p50 - floor.p50;
  return `${d >= 0 ? '+' : ''}${ms(d)}`;
}

function ratio(s: Summary, floor: Summary | undefined): string {
  return floor === undefined || floor.p50 <= 0 ? '-' : `${(s.p50 / floor.p50).toFixed(2)} x`;
}

/** Met, missed, or not measurable, for Baton's p50 against the floor's. */
export function podStartVerdict(result: PodStartResult): string {
  const floor = summarize(result.floor.startedMs);
  const baton = summarize(result.baton.runningMs);
  if (floor === undefined || baton === undefined) return 'not measured';
  const over = baton.p50 - floor.p50;
  return `${over <= TARGET_OVER_FLOOR_MS ? 'met' : 'MISSED'}: Baton's p50 is ${ms(over)} over the floor's (target: within ${TARGET_OVER_FLOOR_MS} ms)`;
}

export function podStartReport(result: PodStartResult): string {
  const notes = [
    `each time runs from spawning the command to the moment the bench learns the container runs; ${result.pods} pods each,`,
    '  interleaved (floor, Baton, Baton with node, Swarm, the order rotated every round) after one unrecorded',
    '  warm-up round;',
    '  each start is removed, and the removal waited for, before the next.',
    'floor and Swarm end at the container\'s start event in `docker events` (the floor\'s `docker run -d` exits',
    '  a little later; its row shows by how much). Baton ends when the pod\'s retained status on the broker',
    '  (baton/v1/nodes/<node>/pods/<pod>) reads phase Running; its indented rows: `baton apply` exited (the',
    '  coordinator stored the pod and replied) and its container\'s start event in `docker events`.',
    `Baton: mosquitto, the coordinator and one agent (${result.agent}); each apply is \`${result.baton.cli} apply -f -\`, a process of its own`,
    ...(result.batonNodeCli.runningMs.length > 0 ? ['  (and, in its own rows, `node dist/baton.js apply -f -`: the CLI as npm installs it, on this machine\'s Node, without a code cache).'] : []),
    result.pods < 100 ? `p99 is nearest-rank: with ${result.pods} samples it is the largest one.` : 'p99 is nearest-rank.',
    `Swarm: ${result.swarm.error ?? result.swarm.note}`,
    `target: ${podStartVerdict(result)}`,
  ];
  return `pod start, one at a time, on this machine's Docker engine (baton-test/busybox:1 sleep 3600)\n\n${table(podStartRows(result))}\n\n${notes.join('\n')}\n`;
}
