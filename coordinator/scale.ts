import { MAX_REPLICAS } from '../protocol/manifest.js';
import type { ScaleResult } from '../protocol/requests.js';
import { updatedWorkload } from './apply.js';
import type { CoordinatorState } from './state.js';

/**
 * `scale`, pure: a Deployment's `spec.replicas` set to a new count, as `apply` would set
 * it (the generation grows; no new revision, the template is the same). A request that
 * changes nothing returns no new state, so nothing is written.
 */

export type ScaleOutcome =
  | { ok: true; result: ScaleResult; state?: CoordinatorState }
  | { ok: false; code: 'NotFound' | 'Invalid'; message: string };

/** kubectl's words for a Deployment that is not there. */
export function deploymentNotFound(name: string): string {
  return `deployments.apps "${name}" not found`;
}

export function scaleDeployment(state: CoordinatorState, name: string, replicas: number): ScaleOutcome {
  const deployment = state.deployments[name];
  if (deployment === undefined) return { ok: false, code: 'NotFound', message: deploymentNotFound(name) };
  // The same bound apply holds a manifest to.
  if (replicas > MAX_REPLICAS) return { ok: false, code: 'Invalid', message: `spec.replicas: must be at most ${MAX_REPLICAS}` };
  const result = { kind: 'Deployment', name, replicas };
  if (deployment.spec.replicas === replicas) return { ok: true, result: { ...result, changed: false } };
  const scaled = updatedWorkload(deployment, { ...deployment, spec: { ...deployment.spec, replicas } });
  return { ok: true, result: { ...result, changed: true }, state: { ...state, deployments: { ...state.deployments, [name]: scaled } } };
}
