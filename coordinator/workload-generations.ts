import type { CoordinatorState } from './state.js';

/**
 * Workload uid -> the generation the controllers have acted on: every Deployment and
 * DaemonSet in a state that a control-loop pass has committed, and nothing else, so a
 * deleted workload leaves no entry behind (`status.observedGeneration` in list replies).
 */
export function workloadGenerations(state: CoordinatorState): Map<string, number> {
  const generations = new Map<string, number>();
  for (const workload of [...Object.values(state.deployments), ...Object.values(state.daemonSets)]) {
    generations.set(workload.metadata.uid, workload.metadata.generation);
  }
  return generations;
}
