import { generatePodName, podTemplateHash } from '../pod-names.js';
import type { Entropy, StoredDeployment, StoredPod } from '../state.js';
import { deletionOrder, podFromTemplate, type ControllerResult, type PodAvailability } from './owned.js';

/** The label that ties a Deployment's pods to the template they were made from. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

export interface DeploymentControllerInput {
  deployment: StoredDeployment;
  /** The pods this Deployment owns. */
  pods: readonly StoredPod[];
  /**
   * Pods of this Deployment already deleted from the store whose node still reports them
   * running (being stopped): what a Recreate update waits for before creating new pods.
   */
  terminating: number;
  /** How the control loop sees each pod (see PodAvailability). */
  availability(pod: StoredPod): PodAvailability;
  /** Every pod name in use, so a new name never collides. */
  takenNames: ReadonlySet<string>;
  entropy: Entropy;
}

/**
 * Keeps `spec.replicas` pods of the current template. Pods of an older template are
 * all replaced at once (rolling updates come later); surplus pods go in
 * `deletionOrder`. Pure: names, uids and time come from `entropy`.
 */
export function reconcileDeployment(input: DeploymentControllerInput): ControllerResult {
  const { deployment, entropy } = input;
  const { template, replicas } = deployment.spec;
  const hash = podTemplateHash(template);
  const current = input.pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
  const outdated = input.pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] !== hash);

  const result: ControllerResult = { create: [], delete: outdated.map((p) => p.metadata.name) };
  if (current.length > replicas) {
    const surplus = [...current].sort(deletionOrder((p) => input.availability(p) === 'ready')).slice(0, current.length - replicas);
    result.delete.push(...surplus.map((p) => p.metadata.name));
  }
  const added = new Set<string>();
  const isTaken = (name: string): boolean => added.has(name) || input.takenNames.has(name);
  const base = `${deployment.metadata.name}-${hash}`;
  for (let i = current.length; i < replicas; i++) {
    const name = generatePodName(base, isTaken, () => entropy.nameSuffix());
    added.add(name);
    result.create.push(
      podFromTemplate({
        owner: deployment,
        template,
        name,
        uid: entropy.newUid(),
        now: entropy.now(),
        extraLabels: { [POD_TEMPLATE_HASH_LABEL]: hash },
      }),
    );
  }
  return result;
}
