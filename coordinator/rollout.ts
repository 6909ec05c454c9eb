import type { PodTemplate } from '../protocol/manifest.js';
import type { RolloutResult } from '../protocol/requests.js';
import { updatedWorkload } from './apply.js';
import { podTemplateHash } from './pod-names.js';
import { CHANGE_CAUSE_ANNOTATION, currentRevision, revisionsOf } from './revisions.js';
import { deploymentNotFound } from './scale.js';
import type { CoordinatorState, StoredDeployment, StoredRevision } from './state.js';

/**
 * `rollout undo|restart|history`, pure, with kubectl's rules and words. Undo and
 * restart change the pod template through `updatedWorkload`, as apply does, so the
 * generation grows and the revisions are kept the same way; the controllers then roll
 * the pods over. A request that changes nothing returns no new state.
 */

/** The template annotation `rollout restart` stamps; a new value is a new template, so every pod is replaced. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RolloutRequest {
  action: RolloutResult['action'];
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  toRevision?: number | undefined;
}

export type RolloutOutcome =
  | { ok: true; result: RolloutResult; state?: CoordinatorState }
  | { ok: false; code: 'NotFound' | 'Invalid'; message: string };

type Failure = Extract<RolloutOutcome, { ok: false }>;

function invalid(message: string): Failure {
  return { ok: false, code: 'Invalid', message };
}

export function rollout(state: CoordinatorState, request: RolloutRequest, now: string): RolloutOutcome {
  const { action, kind, name } = request;
  if (kind === 'DaemonSet') {
    const daemonSet = state.daemonSets[name];
    if (daemonSet === undefined) return { ok: false, code: 'NotFound', message: `daemonsets.apps "${name}" not found` };
    if (action !== 'restart') return invalid(`rollout ${action}: Baton keeps revisions for Deployments only, not for DaemonSet "${name}"`);
    const template = restarted(daemonSet.spec.template, now);
    if (template === undefined) return { ok: true, result: { kind, name, action, changed: false } };
    const next = updatedWorkload(daemonSet, { ...daemonSet, spec: { ...daemonSet.spec, template } });
    return { ok: true, result: { kind, name, action, changed: true }, state: { ...state, daemonSets: { ...state.daemonSets, [name]: next } } };
  }
  const deployment = state.deployments[name];
  if (deployment === undefined) return { ok: false, code: 'NotFound', message: deploymentNotFound(name) };
  switch (action) {
    case 'history':
      return history(deployment, request.toRevision ?? 0);
    case 'undo': {
      const target = undoTarget(deployment, request.toRevision ?? 0);
      if (!target.ok) return target;
      const result: RolloutResult = { kind, name, action, changed: false, revision: target.revision.revision };
      if (podTemplateHash(target.revision.template) === podTemplateHash(deployment.spec.template)) return { ok: true, result };
      // As kubectl's rollback, the Deployment takes the change-cause of the revision it goes back to.
      const metadata = withChangeCause(deployment.metadata, target.revision.changeCause);
      return { ok: true, result: { ...result, changed: true }, state: withTemplate(state, { ...deployment, metadata }, target.revision.template) };
    }
    case 'restart': {
      const template = restarted(deployment.spec.template, now);
      if (template === undefined) return { ok: true, result: { kind, name, action, changed: false, revision: currentRevision(deployment) } };
      const next = withTemplate(state, deployment, template);
      const revision = currentRevision(next.deployments[name] ?? deployment);
      return { ok: true, result: { kind, name, action, changed: true, revision }, state: next };
    }
    default: {
      const never: never = action;
      throw new Error(`unexpected rollout action ${String(never)}`);
    }
  }
}

/** The template stamped with `now`; undefined if it already carries that very stamp. */
function restarted(template: PodTemplate, now: string): PodTemplate | undefined {
  if (template.metadata.annotations?.[RESTARTED_AT_ANNOTATION] === now) return undefined;
  return { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata.annotations, [RESTARTED_AT_ANNOTATION]: now } } };
}

/** The state with the Deployment running `template`. */
function withTemplate(state: CoordinatorState, deployment: StoredDeployment, template: PodTemplate): CoordinatorState {
  const next = updatedWorkload(deployment, { ...deployment, spec: { ...deployment.spec, template } });
  return { ...state, deployments: { ...state.deployments, [deployment.metadata.name]: next } };
}

function withChangeCause(metadata: StoredDeployment['metadata'], cause: string | undefined): StoredDeployment['metadata'] {
  const { [CHANGE_CAUSE_ANNOTATION]: _old, ...others } = metadata.annotations ?? {};
  const annotations = cause === undefined ? others : { ...others, [CHANGE_CAUSE_ANNOTATION]: cause };
  const { annotations: _before, ...rest } = metadata;
  return Object.keys(annotations).length === 0 ? rest : { ...rest, annotations };
}

/** Revision `toRevision`, or with 0 the one before the current, as `kubectl rollout undo` picks it. */
function undoTarget(deployment: StoredDeployment, toRevision: number): { ok: true; revision: StoredRevision } | Failure {
  const revisions = revisionsOf(deployment);
  if (toRevision > 0) {
    const found = revisions.find((r) => r.revision === toRevision);
    return found === undefined ? invalid(`unable to find specified revision ${toRevision} in history`) : { ok: true, revision: found };
  }
  const previous = revisions.at(-2);
  return previous === undefined ? invalid(`no rollout history found for deployment "${deployment.metadata.name}"`) : { ok: true, revision: previous };
}

/** Every revision kept, oldest first; with `revision` > 0, that one alone with its template. */
function history(deployment: StoredDeployment, revision: number): RolloutOutcome {
  const kept = revisionsOf(deployment);
  const result: RolloutResult = { kind: 'Deployment', name: deployment.metadata.name, action: 'history', changed: false };
  const entry = (r: StoredRevision, template: boolean) => ({
    revision: r.revision,
    ...(r.changeCause !== undefined ? { changeCause: r.changeCause } : {}),
    ...(template ? { template: r.template } : {}),
  });
  if (revision === 0) return { ok: true, result: { ...result, revisions: kept.map((r) => entry(r, false)) } };
  const found = kept.find((r) => r.revision === revision);
  if (found === undefined) return invalid('unable to find the specified revision');
  return { ok: true, result: { ...result, revision, revisions: [entry(found, true)] } };
}
