import * as z from 'zod';
import { labelKey, labelValue } from './names.js';

/**
 * The pod fields that steer scheduling, beside `nodeSelector` and `nodeName`:
 * `tolerations` and the required part of `affinity.nodeAffinity`, validated as
 * Kubernetes validates them. Every object is strict, so `preferredDuringScheduling...`,
 * `matchFields`, `podAffinity` and the like are errors naming their path.
 */

export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffect = (typeof taintEffects)[number];

/** A node's taint, as its agent publishes it (`--taint key=value:Effect`). */
export const taintSchema = z.strictObject({
  key: labelKey,
  value: labelValue.optional(),
  effect: z.enum(taintEffects),
});
export type Taint = z.output<typeof taintSchema>;

const toleration = z
  .strictObject({
    key: labelKey.optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: labelValue.optional(),
    /** '' (or absent) tolerates every effect. */
    effect: z.enum(['', ...taintEffects]).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    const key = t.key ?? '';
    const operator = t.operator ?? 'Equal';
    if (key === '' && operator !== 'Exists') {
      ctx.addIssue({ code: 'custom', path: ['operator'], message: 'must be "Exists" when `key` is empty, which means "match all values and all keys"' });
    }
    if (operator === 'Exists' && (t.value ?? '') !== '') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty when `operator` is "Exists"' });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      ctx.addIssue({ code: 'custom', path: ['effect'], message: 'must be "NoExecute" when `tolerationSeconds` is set' });
    }
  });
export type Toleration = z.output<typeof toleration>;

export const tolerationsSchema = z.array(toleration);

const nodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  })
  .superRefine((r, ctx) => {
    const count = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'must be specified when `operator` is "In" or "NotIn"' });
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && r.values !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'may not be specified when `operator` is "Exists" or "DoesNotExist"' });
    }
  });
export type NodeSelectorRequirement = z.output<typeof nodeSelectorRequirement>;

/** One term: its expressions are ANDed; a term without expressions matches no node (as Kubernetes). */
const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
});
export type NodeSelectorTerm = z.output<typeof nodeSelectorTerm>;

export const affinitySchema = z.strictObject({
  nodeAffinity: z
    .strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .strictObject({
          /** ORed: a node matching any one term fits. */
          nodeSelectorTerms: z.array(nodeSelectorTerm).min(1, 'must have at least one node selector term'),
        })
        .optional(),
    })
    .optional(),
});
export type Affinity = z.output<typeof affinitySchema>;
