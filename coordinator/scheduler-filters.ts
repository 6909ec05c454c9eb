import type { NodeSelectorRequirement, NodeSelectorTerm, Taint, TaintEffect, Toleration } from '../protocol/manifest-scheduling.js';
import type { PodSpec } from '../protocol/manifest.js';
import { NOTHING_ALLOWED, refusals, type NodeAllows } from '../protocol/node-allows.js';
import { matchesSelector } from './node-view.js';

/**
 * The label and taint filters shared by the scheduler and the DaemonSet controller, as
 * pure predicates with kube-scheduler's semantics: a pod must tolerate every NoSchedule
 * and NoExecute taint of a node (TaintToleration), and match both its nodeSelector and
 * any one of its required node affinity terms (NodeAffinity). And Baton's own: the node
 * must allow what the pod takes from it (privileged containers, the host network,
 * hostPaths, devices), by the rules its agent enforces.
 */

/** Kubernetes' toleration match: same key (or an empty key with Exists), same effect (or any), and Exists or an equal value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  const key = toleration.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  if ((toleration.operator ?? 'Equal') === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/** The first of the node's taints with one of `effects` that no toleration tolerates, in the node's order. */
export function firstUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  effects: readonly TaintEffect[],
): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !(tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

/** The taint Kubernetes puts on a cordoned node; a pod that tolerates it may still be placed there. */
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** kube-scheduler's NodeUnschedulable filter lets through a pod tolerating `node.kubernetes.io/unschedulable:NoSchedule`. */
export function toleratesCordon(tolerations: readonly Toleration[] | undefined): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
}

/** The effects that keep a pod off a node. PreferNoSchedule only lowers a node's score (see `preferNoScheduleCount`). */
export const FILTERED_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'NoExecute'];

/** kube-scheduler's TaintToleration reason, naming the first untolerated taint: `node(s) had untolerated taint {dedicated: gpu}`. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** How many PreferNoSchedule taints of the node the pod does not tolerate; the scheduler avoids such nodes when it can. */
export function preferNoScheduleCount(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): number {
  return (taints ?? []).filter((taint) => taint.effect === 'PreferNoSchedule' && !(tolerations ?? []).some((t) => toleratesTaint(t, taint))).length;
}

function matchesRequirement(requirement: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && (requirement.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(requirement.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** A term matches when all its expressions do; a term without expressions matches nothing, as in Kubernetes. */
function matchesTerm(term: NodeSelectorTerm, labels: Readonly<Record<string, string>>): boolean {
  const expressions = term.matchExpressions ?? [];
  return expressions.length > 0 && expressions.every((r) => matchesRequirement(r, labels));
}

/**
 * kube-scheduler's NodeAffinity filter: the nodeSelector matches and, if the pod has
 * required node affinity, at least one of its terms matches (terms are ORed).
 */
export function matchesNodeAffinity(spec: Pick<PodSpec, 'nodeSelector' | 'affinity'>, labels: Readonly<Record<string, string>>): boolean {
  if (!matchesSelector(spec.nodeSelector, labels)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || required.nodeSelectorTerms.some((term) => matchesTerm(term, labels));
}

/**
 * Why the node does not allow the pod, in kube-scheduler's words, naming the first thing
 * refused (in manifest order): `node(s) didn't allow privileged containers`, `node(s)
 * didn't allow hostPath /srv/data`. Undefined when it allows all the pod asks. A node
 * that does not say what it allows (an agent from before `allows`) allows nothing
 * extra: placing a privileged pod on a node that may refuse it is what this avoids.
 */
export function disallowedReason(spec: Pick<PodSpec, 'containers' | 'hostNetwork' | 'volumes'>, allows: NodeAllows | undefined): string | undefined {
  const first = refusals(spec, allows ?? NOTHING_ALLOWED)[0];
  if (first === undefined) return undefined;
  const { privilege } = first;
  switch (privilege.kind) {
    case 'privileged':
      return "node(s) didn't allow privileged containers";
    case 'hostNetwork':
      return "node(s) didn't allow hostNetwork";
    case 'hostPath':
      return `node(s) didn't allow hostPath ${privilege.normalPath}`;
    case 'device':
      return `node(s) didn't allow device ${privilege.normalPath}`;
    default: {
      const unknown: never = privilege;
      throw new Error(`unknown privilege ${JSON.stringify(unknown)}`);
    }
  }
}
