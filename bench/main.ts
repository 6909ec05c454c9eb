import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { benchmarksDoc, thisMachine } from './benchmarks-doc.js';
import { detectionReport } from './detection-report.js';
import { measureFailureDetection } from './failure-detection.js';
import { measurePodStart } from './pod-start.js';
import { podStartReport } from './pod-start-report.js';
import { measureScale, type ScaleResult } from './fleet-sim/measure-scale.js';
import { scaleReport } from './fleet-sim/scale-report.js';
import { ensureBinaries, hostAgentBinary, readBinarySizes, readBuildInfo } from './binary-sizes.js';
import { measureAtRest, type AtRest } from './footprint.js';
import { ticksPerSecond } from './proc-cpu.js';
import { atRestReport, diskReport, sizesReport, targetsReport } from './report.js';
import { describeProgram, startSteadyAgent, type AgentProgram } from './steady-agent.js';
import { seconds } from './table.js';

/**
 * `npm run bench [-- --quick] [-- --window SECONDS]`: Baton's numbers on this machine,
 * printed as tables on stdout (progress on stderr).
 *
 * - The single binaries' sizes, raw and xz (each rebuilt first if missing or older than the source).
 * - The agent at rest, as the single binary (what a Pi runs) and, for comparison, as
 *   `node dist/baton-agent.js`: each with 0 pods, then with 10, against its own
 *   mosquitto; memory, CPU, disk writes and log bytes over one window per state.
 * - Pod start: `baton apply` until Running on the broker, beside a plain `docker run -d`
 *   (the floor) and Docker Swarm's `service create` on the same engine.
 * - Failure detection: a killed agent, a failing liveness probe, a killed container.
 * - Scale: fleets of 100, 500 and 1,000 simulated nodes (the real agent code over the
 *   fake runtime) with 10 pods each, against mosquitto and the real coordinator.
 *
 * The default window is a minute (the full bench takes about nine). `--quick` is a smoke
 * run: a 10 s window, only the 10-pod state, a short settle. A full run writes what it
 * printed, with the machine and the date, to docs/benchmarks.md.
 */

const USAGE = 'usage: npm run bench [-- --quick] [-- --window SECONDS]';
/** A full run writes its report here; a smoke run (--quick) writes nothing. */
const DOC = 'docs/benchmarks.md';

interface Plan {
  readonly isQuick: boolean;
  readonly windowMs: number;
  readonly settleMs: number;
  readonly podCounts: readonly number[];
}

function parsePlan(argv: readonly string[]): Plan {
  let isQuick = false;
  let windowSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') isQuick = true;
    else if (arg === '--window' && /^\d+$/.test(argv[i + 1] ?? '')) windowSeconds = Number(argv[++i]);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  const window = windowSeconds ?? (isQuick ? 10 : 60);
  if (window < 1) throw new Error(`the window must be at least 1 s\n${USAGE}`);
  // The settle lets start-up work (first resync, the first heartbeats, V8's first
  // collections after the pods started) pass before the window opens.
  return { isQuick, windowMs: window * 1000, settleMs: isQuick ? 3000 : 10_000, podCounts: isQuick ? [10] : [0, 10] };
}

async function measureProgram(program: AgentProgram, plan: Plan, hz: number, say: (line: string) => void): Promise<AtRest[]> {
  const agent = await startSteadyAgent(program, say);
  try {
    const runs: AtRest[] = [];
    for (const pods of plan.podCounts) {
      await agent.settle(pods, plan.settleMs);
      say(`${describeProgram(program)}: ${pods} pods, measuring for ${seconds(plan.windowMs)}`);
      runs.push(await measureAtRest(agent, { program, pods, windowMs: plan.windowMs, hz }));
    }
    return runs;
  } finally {
    await agent.stop();
  }
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  const began = performance.now();
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const printed: string[] = [];
  const out = (text: string): void => {
    printed.push(text);
    process.stdout.write(`${text}\n`);
  };
  if (plan.isQuick) out('SMOKE RUN (--quick): short window, 10 pods only; run `npm run bench` for the figures.\n');

  await ensureBinaries(say);
  out(sizesReport(await readBinarySizes()));

  const binary = hostAgentBinary();
  const { stdout: version } = await promisify(execFile)(binary, ['--version']);
  const built = await readBuildInfo(binary);
  const hz = await ticksPerSecond();
  const runs: AtRest[] = [];
  for (const program of [{ kind: 'binary', path: binary }, { kind: 'node' }] as const) runs.push(...(await measureProgram(program, plan, hz, say)));

  const flags = built.execArgv === undefined ? 'flags unknown' : built.execArgv.length === 0 ? 'no flags' : built.execArgv.join(' ');
  out(`single binary: ${version.trim()}, Node ${built.nodeVersion ?? '(version unknown)'}, ${flags} (${binary})`);
  out(`node dist/baton-agent.js: Node ${process.version}, no flags`);
  out(`each state: all pods Running, ${seconds(plan.settleMs)} settle, then a window of ${seconds(plan.windowMs)}\n`);
  out(atRestReport(runs));
  out(targetsReport(runs));
  out(diskReport(runs));

  say('pod start: Baton beside docker run -d and Docker Swarm');
  out(podStartReport(await measurePodStart({ pods: plan.isQuick ? 5 : 20, say })));

  say('failure detection');
  out(detectionReport(await measureFailureDetection({ rounds: plan.isQuick ? 3 : 10, say })));

  say('scale: simulated fleets against mosquitto and the coordinator');
  const scale: ScaleResult[] = [];
  const rest = plan.isQuick ? { restSettleMs: 2000, restWindowMs: 3000 } : { restSettleMs: 5000, restWindowMs: 10_000 };
  for (const nodes of plan.isQuick ? [50] : [100, 500, 1000]) scale.push(await measureScale({ nodes, podsPerNode: 10, singlePods: plan.isQuick ? 5 : 20, say, ...rest }));
  out(scaleReport(scale));
  const tookMs = performance.now() - began;
  if (!plan.isQuick) {
    await writeFile(DOC, benchmarksDoc(thisMachine(), new Date(), tookMs, printed.join('\n')));
    say(`wrote ${DOC}`);
  }
  say(`done in ${seconds(tookMs)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
