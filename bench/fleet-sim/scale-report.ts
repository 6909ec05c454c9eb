import { mib, table } from '../table.js';
import type { ScaleResult } from './measure-scale.js';

/** The scale bench's table: one row per fleet size. */
export function scaleReport(results: readonly ScaleResult[]): string {
  const ms = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : '-');
  const rate = (n: number): string => `${Math.round(n)}/s`;
  const rows = [
    ['fleet', 'pods', 'apply reply', 'all bound', 'all Running', 'bound rate', 'Running rate', 'one pod p50', 'one pod p99', 'coord. peak RSS', 'coord. CPU', 'coord. RSS at rest', 'coord. CPU at rest'],
    ...results.map((r) => [
      `${r.nodes} nodes`,
      String(r.pods),
      ms(r.applyReplyMs),
      ms(r.allBoundMs),
      ms(r.allRunningMs),
      rate(r.boundPerSecond),
      rate(r.runningPerSecond),
      ms(r.singlePodP50Ms),
      ms(r.singlePodP99Ms),
      mib(r.coordinator.peakRssBytes),
      `${r.coordinator.cpuSeconds.toFixed(1)} s (${Math.round(r.coordinator.cpuPercent)}% of a core)`,
      mib(r.coordinatorAtRest.peakRssBytes),
      `${r.coordinatorAtRest.cpuPercent.toFixed(1)}% of a core`,
    ]),
  ];
  return [
    'Scale: simulated nodes (the real agent over the fake runtime, 250 per process) on a real mosquitto and the real coordinator, all on this machine.',
    'Times run from `baton apply` of 10 Deployments (the CLI started) to every pod in its node\'s desired state (bound) and reporting Running, as seen on the broker;',
    '"one pod" is a single Pod applied afterwards, at that scale, timed to Running; coordinator CPU is over apply .. last single pod.',
    `"at rest": then, every pod Running and every node heartbeating, after a settle, the coordinator's largest RSS and its CPU over a window${results[0] === undefined ? '' : ` of ${Math.round(results[0].coordinatorAtRest.wallSeconds)} s`}.`,
    '',
    table(rows),
  ].join('\n');
}
