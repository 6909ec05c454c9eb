import { generatePodName, podTemplateHash } from '../pod-names.js';
import type { Entropy, StoredDeployment, StoredPod } from '../state.js';
import { strategyStep } from './deployment-strategy.js';
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

/** True if the pod was made from the template with this hash. */
export function hasTemplateHash(pod: StoredPod, hash: string): boolean {
  return pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash;
}

/**
 * Keeps `spec.replicas` pods of the current template, replacing pods of older templates
 * by the Deployment's strategy (deployment-strategy.ts). Lost pods (see PodAvailability)
 * are not counted: an old one is deleted; of the current ones, as many are kept bound
 * as there are replicas without a Ready counted pod, so a healthy original that comes
 * back is only given up once a Ready replacement exists, and the rest are deleted.
 * Surplus pods go in `deletionOrder`. Pure: names, uids and time come from `entropy`.
 */
export function reconcileDeployment(input: DeploymentControllerInput): ControllerResult {
  const { deployment } = input;
  const { replicas, strategy, template } = deployment.spec;
  const hash = podTemplateHash(template);
  const seen = new Map<StoredPod, PodAvailability>();
  const availability = (pod: StoredPod): PodAvailability => {
    let value = seen.get(pod);
    if (value === undefined) seen.set(pod, (value = input.availability(pod)));
    return value;
  };

  const counted = input.pods.filter((p) => availability(p) !== 'lost');
  const current = counted.filter((p) => hasTemplateHash(p, hash));
  const old = counted.filter((p) => !hasTemplateHash(p, hash));
  const order = deletionOrder(availability, counted);

  const lost = input.pods.filter((p) => availability(p) === 'lost');
  const lostCurrent = lost.filter((p) => hasTemplateHash(p, hash)).sort(order);
  const readyCurrent = current.filter((p) => availability(p) === 'ready').length;
  const keepLost = Math.max(0, replicas - readyCurrent);
  const doomed = [...lost.filter((p) => !hasTemplateHash(p, hash)), ...lostCurrent.slice(0, Math.max(0, lostCurrent.length - keepLost))];

  const step = strategyStep({ strategy, replicas, current, old, availability, terminating: input.terminating, order });
  return {
    create: newPods(deployment, hash, step.create, input),
    delete: [...doomed, ...step.delete].map((p) => p.metadata.name),
  };
}

function newPods(deployment: StoredDeployment, hash: string, count: number, input: DeploymentControllerInput): StoredPod[] {
  const { entropy } = input;
  const added = new Set<string>();
  const isTaken = (name: string): boolean => added.has(name) || input.takenNames.has(name);
  const base = `${deployment.metadata.name}-${hash}`;
  const pods: StoredPod[] = [];
  for (let i = 0; i < count; i++) {
    const name = generatePodName(base, isTaken, () => entropy.nameSuffix());
    added.add(name);
    pods.push(
      podFromTemplate({
        owner: deployment,
        template: deployment.spec.template,
        name,
        uid: entropy.newUid(),
        now: entropy.now(),
        extraLabels: { [POD_TEMPLATE_HASH_LABEL]: hash },
      }),
    );
  }
  return pods;
}
