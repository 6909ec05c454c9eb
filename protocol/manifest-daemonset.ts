import * as z from 'zod';
import { intOrPercent, intOrPercentValue, type IntOrPercent } from './manifest-deployment.js';

/**
 * A DaemonSet's `updateStrategy`, as Kubernetes' apps/v1 defaults and validates it:
 * RollingUpdate, one node at a time, unless `maxUnavailable` says otherwise (a count, or
 * a percentage of the nodes that should run the pod); OnDelete replaces a pod only once
 * someone deletes it. `maxSurge` (a second pod on the node before the first stops) is
 * accepted only as 0, its default: most daemon pods hold a host port or a device.
 */

export const DEFAULT_DAEMONSET_MAX_UNAVAILABLE = 1;

const rollingUpdateSchema = z.strictObject({
  maxUnavailable: intOrPercent.default(DEFAULT_DAEMONSET_MAX_UNAVAILABLE),
  maxSurge: intOrPercent
    .refine((v) => intOrPercentValue(v) === 0, 'only 0 is supported: the old pod stops before the new one starts')
    .optional(),
}).superRefine((r, ctx) => {
  if (intOrPercentValue(r.maxUnavailable) === 0) ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'may not be 0 when `maxSurge` is 0' });
  if (typeof r.maxUnavailable === 'string' && intOrPercentValue(r.maxUnavailable) > 100) {
    ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'must not be greater than 100%' });
  }
});

export type DaemonSetUpdateStrategySpec = { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: IntOrPercent } } | { type: 'OnDelete' };

export const daemonSetUpdateStrategySchema = z
  .strictObject({
    type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
    rollingUpdate: rollingUpdateSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.type === 'OnDelete' && s.rollingUpdate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rollingUpdate'], message: "may not be specified when strategy `type` is 'OnDelete'" });
    }
  })
  .transform(
    (s): DaemonSetUpdateStrategySpec =>
      s.type === 'OnDelete' ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: s.rollingUpdate?.maxUnavailable ?? DEFAULT_DAEMONSET_MAX_UNAVAILABLE } },
  )
  .default((): DaemonSetUpdateStrategySpec => ({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: DEFAULT_DAEMONSET_MAX_UNAVAILABLE } }));
