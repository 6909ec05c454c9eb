import type { PodTemplate } from '../protocol/manifest.js';
import { podTemplateHash } from './pod-names.js';
import type { StoredDeployment, StoredRevision } from './state.js';

/**
 * A Deployment's kept revisions, as Kubernetes keeps them in its old ReplicaSets: each
 * distinct pod template it has run gets a number; the last one is the current template.
 * Pure. Templates are compared by podTemplateHash, the same hash that labels the pods,
 * so "same revision" and "same pods" never disagree.
 */

/** The annotation `rollout history` shows as CHANGE-CAUSE, taken from the Deployment when a revision is made. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** Old revisions kept when the Deployment does not say (`spec.revisionHistoryLimit`, Kubernetes' default). */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** The revisions kept, oldest first. A store written before revisions existed reads as revision 1 = the current template. */
export function revisionsOf(deployment: StoredDeployment): StoredRevision[] {
  return deployment.revisions ?? [withCause({ revision: 1, template: deployment.spec.template }, changeCauseOf(deployment))];
}

/** The number of the current template's revision (`deployment.kubernetes.io/revision`). */
export function currentRevision(deployment: StoredDeployment): number {
  return revisionsOf(deployment).at(-1)?.revision ?? 1;
}

export function changeCauseOf(deployment: Pick<StoredDeployment, 'metadata'>): string | undefined {
  return deployment.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
}

/** How many old revisions to keep: `spec.revisionHistoryLimit` if the spec has one, else the default. */
export function revisionHistoryLimit(spec: StoredDeployment['spec']): number {
  const limit = 'revisionHistoryLimit' in spec ? spec.revisionHistoryLimit : undefined;
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 0 ? limit : DEFAULT_REVISION_HISTORY_LIMIT;
}

function withCause(revision: StoredRevision, changeCause: string | undefined): StoredRevision {
  const { changeCause: _old, ...rest } = revision;
  return changeCause === undefined ? rest : { ...rest, changeCause };
}

/**
 * The revisions after `deployment` (its new spec and metadata) is stored, given those
 * kept before (`[]` for a new Deployment):
 * - the same template as the current one: no new revision; the current one takes the
 *   Deployment's change-cause if it has one (as `kubectl annotate` updates it);
 * - the template of an older kept revision: that revision moves to the end with a new
 *   number (Kubernetes reuses the old ReplicaSet), keeping its change-cause unless the
 *   Deployment now gives one;
 * - a new template: a new revision, numbered one past the highest.
 * Then only the newest `revisionHistoryLimit` old revisions are kept, plus the current.
 */
export function recordRevision(kept: readonly StoredRevision[], deployment: StoredDeployment): StoredRevision[] {
  const template: PodTemplate = deployment.spec.template;
  const cause = changeCauseOf(deployment);
  const hash = podTemplateHash(template);
  const current = kept.at(-1);
  let next: StoredRevision[];
  if (current !== undefined && podTemplateHash(current.template) === hash) {
    next = [...kept.slice(0, -1), cause === undefined ? current : withCause(current, cause)];
  } else {
    const number = Math.max(0, ...kept.map((r) => r.revision)) + 1;
    const reused = kept.find((r) => podTemplateHash(r.template) === hash);
    const older = kept.filter((r) => r !== reused);
    next = [...older, withCause({ revision: number, template }, cause ?? reused?.changeCause)];
  }
  return next.slice(-(revisionHistoryLimit(deployment.spec) + 1));
}
