import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { containersWithLabels, docker, TEST_IMAGE } from '../test/support/docker.js';
import { describeCli, startBatonPeer, type BatonPeer, type CliProgram } from './baton-peer.js';
import { binDir } from './binary-sizes.js';
import { watchContainerStarts, type ContainerStarts } from './container-starts.js';
import type { AgentProgram } from './steady-agent.js';
import { SERVICE_LABEL, startSwarm, type SwarmPeer } from './swarm-peer.js';

/**
 * Pod start, three ways on one Docker engine in one run, the same image and command
 * (`baton-test/busybox:1 sleep 3600`), one container at a time:
 *
 * - the floor: `docker run -d`;
 * - Baton: `baton apply -f -` of a one-container Pod, through mosquitto, the coordinator
 *   and one agent, until the pod's status on the broker reads phase Running; with the
 *   CLI's single binary (when built for this machine) and again with `node dist/baton.js`;
 * - Docker Swarm: `docker service create --detach --no-resolve-image`, until the task's
 *   container starts.
 *
 * Every time starts when the bench spawns the command (so each includes its CLI's
 * start-up: the Go `docker`, or node for `baton`). The floor and Swarm end at the
 * container's `start` event in `docker events`; Baton ends at the Running status on the
 * broker, the point where a maker's client learns it, and its container's own `start`
 * event is kept too, to tell the engine's share from Baton's reporting. The floor ends at
 * the event rather than at `docker run`'s exit: the event comes first, so the floor is
 * the smallest time honestly measurable and the target the strictest.
 *
 * Rounds interleave (floor, Baton, Baton with node, Swarm, the order rotated each round)
 * so that machine noise hits them alike; each start is followed by its removal, waited for,
 * so no start overlaps another's teardown. One unrecorded warm-up round goes first.
 */

export interface PodStartResult {
  readonly pods: number;
  /** How the agent ran: the single binary, or node dist/baton-agent.js when none is built. */
  readonly agent: string;
  readonly floor: { readonly startedMs: readonly number[]; readonly cliExitedMs: readonly number[] };
  /** `appliedMs`: when `baton apply` exited (the coordinator had stored the pod and replied). */
  readonly baton: { readonly cli: string; readonly runningMs: readonly number[]; readonly startedMs: readonly number[]; readonly appliedMs: readonly number[] };
  /** Baton again with `node dist/baton.js` as the CLI; empty when `baton` above is already that. */
  readonly batonNodeCli: { readonly runningMs: readonly number[]; readonly appliedMs: readonly number[] };
  /** Swarm's times, or why it could not be measured (the rest of the bench still ran). */
  readonly swarm: { readonly startedMs: readonly number[]; readonly note: string; readonly error?: string };
}

type System = 'floor' | 'baton' | 'baton-node-cli' | 'swarm';
const ORDER: readonly System[] = ['floor', 'baton', 'baton-node-cli', 'swarm'];
const START_TIMEOUT_MS = 60_000;

export async function measurePodStart(options: { pods: number; say: (line: string) => void }): Promise<PodStartResult> {
  const { pods, say } = options;
  if ((await docker('images', '-q', TEST_IMAGE)) === '') throw new Error(`the image ${TEST_IMAGE} is missing: run scripts/setup.sh (or scripts/build-test-image.sh) first`);
  const run = randomBytes(4).toString('hex');
  const label = `io.baton.bench=pod-start-${run}`;
  const program = agentProgram();
  const cli = cliProgram();
  const result = {
    floor: { startedMs: [] as number[], cliExitedMs: [] as number[] },
    baton: { cli: describeCli(cli), runningMs: [] as number[], startedMs: [] as number[], appliedMs: [] as number[] },
    batonNodeCli: { runningMs: [] as number[], appliedMs: [] as number[] },
    swarm: { startedMs: [] as number[], note: '', error: undefined as string | undefined },
  };
  const events = watchContainerStarts();
  let baton: BatonPeer | undefined;
  let swarm: SwarmPeer | undefined;
  try {
    baton = await startBatonPeer(program, `bench-start-${run}`, say);
    try {
      swarm = await startSwarm(say);
      result.swarm.note = swarm.note;
    } catch (error) {
      result.swarm.error = `swarm init failed: ${message(error)}`;
      say(`swarm: ${result.swarm.error}; going on without it`);
    }
    const peers = { events, baton, swarm, label, run };
    for (let round = -1; round < pods; round++) {
      const isWarmUp = round < 0;
      const order = ORDER.map((_, i) => ORDER[(i + Math.max(round, 0)) % ORDER.length] as System);
      for (const system of order) {
        const name = `bench-${run}-${system}-${isWarmUp ? 'warm' : round}`;
        if (system === 'floor') {
          const { started, cliExited } = await startFloor(peers, name);
          if (!isWarmUp) {
            result.floor.startedMs.push(started);
            result.floor.cliExitedMs.push(cliExited);
          }
        } else if (system === 'baton') {
          const { running, started, applied } = await startBaton(peers, baton, name, cli);
          if (!isWarmUp) {
            result.baton.runningMs.push(running);
            result.baton.startedMs.push(started);
            result.baton.appliedMs.push(applied);
          }
        } else if (system === 'baton-node-cli') {
          if (cli.kind === 'node') continue;
          const { running, applied } = await startBaton(peers, baton, name, { kind: 'node' });
          if (!isWarmUp) {
            result.batonNodeCli.runningMs.push(running);
            result.batonNodeCli.appliedMs.push(applied);
          }
        } else if (swarm !== undefined && result.swarm.error === undefined) {
          try {
            const started = await startService(peers, swarm, name);
            if (!isWarmUp) result.swarm.startedMs.push(started);
          } catch (error) {
            result.swarm.error = `swarm round ${isWarmUp ? 'warm-up' : round + 1}: ${message(error)}`;
            say(`swarm: ${result.swarm.error}; no more swarm rounds`);
          }
        }
      }
      say(`pod start: ${isWarmUp ? 'warm-up round done' : `round ${round + 1}/${pods} done`}`);
    }
  } finally {
    await swarm?.stop(label).catch((error: unknown) => say(`swarm cleanup: ${message(error)}`));
    await baton?.stop();
    const left = await containersWithLabels(label).catch(() => []);
    if (left.length > 0) await docker('rm', '-f', ...left).catch((error: unknown) => say(`cleanup: ${message(error)}`));
    await events.stop();
  }
  return { pods, agent: program.kind === 'binary' ? program.path : 'node dist/baton-agent.js', ...result };
}

interface Peers {
  readonly events: ContainerStarts;
  readonly label: string;
}

async function startFloor({ events, label }: Peers, name: string): Promise<{ started: number; cliExited: number }> {
  const t0 = performance.now();
  await docker('run', '-d', '--name', name, '--label', label, TEST_IMAGE, 'sleep', '3600');
  const cliExited = performance.now() - t0;
  const start = await events.waitFor(`container ${name}`, t0, (a) => a.name === name, START_TIMEOUT_MS);
  // Checked outside the timed span: the container really is running.
  if ((await docker('inspect', '-f', '{{.State.Running}}', name)) !== 'true') throw new Error(`container ${name} is not running after docker run -d`);
  await docker('rm', '-f', name);
  return { started: start.at - t0, cliExited };
}

async function startBaton({ events }: Peers, baton: BatonPeer, pod: string, cli: CliProgram): Promise<{ running: number; started: number; applied: number }> {
  const t0 = performance.now();
  await baton.apply(pod, cli);
  const applied = performance.now() - t0;
  const running = await baton.waitRunning(pod, t0, START_TIMEOUT_MS);
  const isOurs = (a: Readonly<Record<string, string>>): boolean => a['io.baton.node'] === baton.node && a['io.baton.pod'] === pod && a['io.baton.container'] === 'main';
  const start = await events.waitFor(`pod ${pod}'s container`, t0, isOurs, START_TIMEOUT_MS);
  await baton.remove(pod);
  return { running: running - t0, started: start.at - t0, applied };
}

async function startService({ events, label }: Peers, swarm: SwarmPeer, service: string): Promise<number> {
  const t0 = performance.now();
  await swarm.create(service, label);
  const start = await events.waitFor(`service ${service}'s task`, t0, (a) => a[SERVICE_LABEL] === service, START_TIMEOUT_MS);
  await swarm.remove(service);
  return start.at - t0;
}

/** The single binary (what a Pi runs) when it is built for this machine, else node and the bundle. */
function agentProgram(): AgentProgram {
  const arch = process.arch === 'arm' ? 'armv7l' : process.arch;
  const path = `${binDir}/baton-agent-linux-${arch}`;
  return process.platform === 'linux' && existsSync(path) ? { kind: 'binary', path } : { kind: 'node' };
}

/** The CLI's single binary when it is built for this machine (binary-sizes.ts builds it), else node and the bundle. */
function cliProgram(): CliProgram {
  const arch = process.arch === 'arm' ? 'armv7l' : process.arch;
  const path = `${binDir}/baton-linux-${arch}`;
  return process.platform === 'linux' && existsSync(path) ? { kind: 'binary', path } : { kind: 'node' };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
