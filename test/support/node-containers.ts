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
}

interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; StartedAt: string };
  Config: { Labels: Record<string, string>; Env: string[] | null };
}

/** The containers of the given nodes, running or not, sandboxes included. */
export async function nodeContainers(nodes: readonly string[], attempt = 0): Promise<NodeContainer[]> {
  // Every Baton container on the engine (other tests' too); those of other nodes are left out below.
  const out = await docker('ps', '-aq', '--no-trunc', '--filter', 'label=io.baton.node');
  const ids = out === '' ? [] : out.split('\n');
  if (ids.length === 0) return [];
  let inspected: Inspected[];
  try {
    inspected = JSON.parse(await docker('inspect', ...ids)) as Inspected[];
  } catch (error) {
    // A container removed between the two commands fails the inspect: look again.
    if (attempt < 5) return nodeContainers(nodes, attempt + 1);
    throw error;
  }
  return inspected
    .map((c) => {
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
      };
    })
    .filter((c) => nodes.includes(c.node));
}
