import * as z from 'zod';

/**
 * The Deployment-only spec fields beside `replicas`, `selector` and `template`: how an
 * update replaces pods (`strategy`), how many old templates are kept
 * (`revisionHistoryLimit`), and when a stalled rollout is reported
 * (`progressDeadlineSeconds`). Validated and defaulted as Kubernetes' apps/v1 does.
 * `paused` is not supported: the strict spec refuses it, naming its path.
 */

/** Kubernetes' fields are int32. */
const INT32_MAX = 2_147_483_647;

const percentPattern = /^[0-9]+%$/;
const intOrPercentMessage = 'must be an integer or a percentage such as "25%"';

/** `maxSurge` / `maxUnavailable`: a pod count, or a percentage of `replicas`. */
export type IntOrPercent = number | string;

export const intOrPercent = z.union([z.number(), z.string()], { error: intOrPercentMessage }).superRefine((value, ctx) => {
  if (typeof value === 'string') {
    if (!percentPattern.test(value)) ctx.addIssue({ code: 'custom', message: intOrPercentMessage });
  } else if (!Number.isInteger(value)) {
    ctx.addIssue({ code: 'custom', message: intOrPercentMessage });
  } else if (value < 0) {
    ctx.addIssue({ code: 'custom', message: 'must be 0 or more' });
  }
});

/** The number an int-or-percent says before it is scaled: 3 for `3`, 25 for `"25%"`. */
export function intOrPercentValue(value: IntOrPercent): number {
  return typeof value === 'number' ? value : Number.parseInt(value, 10);
}

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

const rollingUpdateSchema = z
  .strictObject({
    maxSurge: intOrPercent.default(DEFAULT_MAX_SURGE),
    maxUnavailable: intOrPercent.default(DEFAULT_MAX_UNAVAILABLE),
  })
  .superRefine((r, ctx) => {
    if (typeof r.maxUnavailable === 'string' && intOrPercentValue(r.maxUnavailable) > 100) {
      ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'must not be greater than 100%' });
    }
    if (intOrPercentValue(r.maxSurge) === 0 && intOrPercentValue(r.maxUnavailable) === 0) {
      ctx.addIssue({ code: 'custom', path: ['maxUnavailable'], message: 'may not be 0 when `maxSurge` is 0' });
    }
  });
export type RollingUpdate = z.output<typeof rollingUpdateSchema>;

/** A parsed strategy is complete: a rolling update always carries both of its bounds. */
export type DeploymentStrategy = { type: 'RollingUpdate'; rollingUpdate: RollingUpdate } | { type: 'Recreate' };

const defaultRollingUpdate = (): RollingUpdate => ({ maxSurge: DEFAULT_MAX_SURGE, maxUnavailable: DEFAULT_MAX_UNAVAILABLE });
const defaultStrategy = (): DeploymentStrategy => ({ type: 'RollingUpdate', rollingUpdate: defaultRollingUpdate() });

export const deploymentStrategySchema = z
  .strictObject({
    type: z.enum(['RollingUpdate', 'Recreate']).default('RollingUpdate'),
    rollingUpdate: rollingUpdateSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.type === 'Recreate' && s.rollingUpdate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rollingUpdate'], message: "may not be specified when strategy `type` is 'Recreate'" });
    }
  })
  .transform(
    (s): DeploymentStrategy => (s.type === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: s.rollingUpdate ?? defaultRollingUpdate() }),
  )
  .default(defaultStrategy);

/**
 * Only 0. Kubernetes counts a pod available once it has been Ready for this long, timed
 * from the Ready condition's lastTransitionTime; in Baton that time comes from each
 * Pi's own clock, which may be far off the coordinator's, so a longer wait could not
 * be honoured soundly.
 */
export const minReadySecondsSchema = z
  .number()
  .int()
  .default(0)
  .superRefine((value, ctx) => {
    if (value !== 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unsupported value ${value}: Baton supports only 0 (a pod is available as soon as it is Ready, because readiness times come from each node's own clock)`,
      });
    }
  });

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

export const revisionHistoryLimitSchema = z.number().int().min(0, 'must be 0 or more').max(INT32_MAX, `must be at most ${INT32_MAX}`).default(DEFAULT_REVISION_HISTORY_LIMIT);

export const progressDeadlineSecondsSchema = z
  .number()
  .int()
  .min(0, 'must be 0 or more')
  .max(INT32_MAX, `must be at most ${INT32_MAX}`)
  .default(DEFAULT_PROGRESS_DEADLINE_SECONDS);

/** Kubernetes' rule: a rollout cannot be judged stalled before its pods could count as available. */
export function checkProgressDeadline(spec: { progressDeadlineSeconds: number; minReadySeconds: number }, ctx: z.RefinementCtx): void {
  // A negative value already has its own problem.
  if (spec.progressDeadlineSeconds >= 0 && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    ctx.addIssue({ code: 'custom', path: ['progressDeadlineSeconds'], message: 'must be greater than `minReadySeconds`' });
  }
}
