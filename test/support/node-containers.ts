import { docker } from './docker.js';

/**
 * Every container of some Baton nodes as `docker inspect` shows it: what the fault tests
 * compare before and after a fault to see that nothing healthy was recreated (same ID,
 * same StartedAt) and that what had to restart did (Baton's restart-count label; Baton
 * restarts a container by replacing it, so Docker's own RestartCount stays 0).
 */
export interface NodeContainer {
  id: string;
  name: string;
  node: string;
  pod: string;
  /** The container's name in its pod; `POD` for a pod sandbox. */
  container: string;
  isSandbox: boolean;
  /** Docker's state: created, running, exited, ... */
  state: string;
  running: boolean;
  startedAt: string;
  /** Docker's own RestartCount and Baton's restart-count label. */
  restartCount: number;
  batonRestartCount: string | undefined;
  env: string[];
  /** The container's main process on the host, 0 when not running. */
  pid: number;
  exitCode: number;
}

interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; StartedAt: string; Pid: number; ExitCode: number };
  Config: { Labels: Record<string, string>; Env: string[] | null };
}

/** Runs the docker CLI (against the system engine, or a private one) and returns its output. */
export type DockerCli = (...args: string[]) => Promise<string>;

/**
 * The Baton containers `filter` picks (a `docker ps --filter` value), running or not,
 * sandboxes included, through `cli`.
 */
export async function inspectBatonContainers(cli: DockerCli, filter: string, attempt = 0): Promise<NodeContainer[]> {
  const out = await cli('ps', '-aq', '--no-trunc', '--filter', filter);
  if (out === '') return [];
  let inspected: Inspected[];
  try {
    inspected = JSON.parse(await cli('inspect', ...out.split('\n'))) as Inspected[];
  } catch (error) {
    // A container removed between the two commands fails the inspect: look again.
    if (attempt < 5) return inspectBatonContainers(cli, filter, attempt + 1);
    throw error;
  }
  return inspected.map((c) => {
    const labels = c.Config.Labels;
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      node: labels['io.baton.node'] ?? '',
      pod: labels['io.baton.pod'] ?? '',
      container: labels['io.baton.container'] ?? '',
      isSandbox: labels['io.baton.role'] === 'sandbox',
      state: c.State.Status,
      running: c.State.Running,
      startedAt: c.State.StartedAt,
      restartCount: c.RestartCount,
      batonRestartCount: labels['io.baton.restart-count'],
      env: c.Config.Env ?? [],
      pid: c.State.Pid,
      exitCode: c.State.ExitCode,
    };
  });
}

/** The containers of the given nodes on the system engine, running or not, sandboxes included. */
export async function nodeContainers(nodes: readonly string[]): Promise<NodeContainer[]> {
  // Every Baton container on the engine (other tests' too); those of other nodes are left out.
  return (await inspectBatonContainers(docker, 'label=io.baton.node')).filter((c) => nodes.includes(c.node));
}
