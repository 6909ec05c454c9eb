import { setTimeout as sleep } from 'node:timers/promises';
import { percentOfCore, readTreeCpu, subtractCpu } from './proc-cpu.js';
import { readTreeIo, treeDelta, type IoCounters } from './proc-io.js';
import { memorySpread, readMemory, type MemoryReading, type MemorySpread } from './proc-memory.js';
import type { AgentProgram, SteadyAgent } from './steady-agent.js';

/**
 * What an agent at rest costs over one window, all measured in the same window so one
 * steady state serves every figure: its memory sampled once a second (the agent's own
 * process: it has no long-lived children), the CPU time of it and its children, the bytes
 * they wrote to disk and the bytes it logged.
 */
export interface AtRest {
  readonly program: AgentProgram;
  readonly pods: number;
  readonly windowMs: number;
  readonly memory: MemorySpread;
  /** % of one core over the window: the whole tree, and the part its children used. */
  readonly cpuPercent: number;
  readonly childrenCpuPercent: number;
  /** What the agent and its children wrote in the window. */
  readonly io: IoCounters;
  /** Bytes the agent printed to stdout and stderr (its log) in the window, and the first lines. */
  readonly logBytes: number;
  readonly logSample: readonly string[];
  /** Pods still Running at the end of the window (all of them, or the state was not steady). */
  readonly runningAtEnd: number;
}

const SAMPLE_EVERY_MS = 1000;

export async function measureAtRest(agent: SteadyAgent, options: { program: AgentProgram; pods: number; windowMs: number; hz: number }): Promise<AtRest> {
  const gone = (): never => {
    throw new Error(`the agent (pid ${agent.pid}) exited during the window`);
  };
  const logSample = agent.sampleLog(5);
  const cpuBefore = (await readTreeCpu(agent.pid)) ?? gone();
  const ioBefore = await readTreeIo(agent.pid);
  const logBefore = agent.logBytes();
  const startedAt = performance.now();
  const readings: MemoryReading[] = [];
  // One reading at the start and one every second after it, on a fixed schedule (no drift).
  for (let i = 0; i * SAMPLE_EVERY_MS <= options.windowMs; i++) {
    const due = startedAt + i * SAMPLE_EVERY_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    readings.push((await readMemory(agent.pid)) ?? gone());
  }
  const rest = startedAt + options.windowMs - performance.now();
  if (rest > 0) await sleep(rest);
  const cpuAfter = (await readTreeCpu(agent.pid)) ?? gone();
  const ioAfter = await readTreeIo(agent.pid);
  const windowMs = performance.now() - startedAt;
  const cpu = subtractCpu(cpuAfter, cpuBefore);
  return {
    program: options.program,
    pods: options.pods,
    windowMs,
    memory: memorySpread(readings),
    cpuPercent: percentOfCore(cpu.own + cpu.children, options.hz, windowMs),
    childrenCpuPercent: percentOfCore(cpu.children, options.hz, windowMs),
    io: treeDelta(ioBefore, ioAfter),
    logBytes: agent.logBytes() - logBefore,
    logSample: [...logSample],
    runningAtEnd: agent.running(),
  };
}
