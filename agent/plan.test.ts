import { describe, expect, it } from 'vitest';
import type { NodeDesired } from '../protocol/messages.js';
import { LABELS, specHash } from './container-labels.js';
import { failureKey, plan, type Action, type PlanContext, type StepFailure } from './plan.js';
import type { ActualContainer } from './runtime/runtime.js';
import { containerOf, desired, foreign, IMAGE, instance, NODE, pod, T0 } from './testing/fixtures.js';

const INTERVAL = 10_000;

function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return { node: NODE, now: T0, images: new Set([IMAGE]), failures: new Map(), retryIntervalMs: INTERVAL, ...overrides };
}

/** One line per action: what it does, to what, and the restart count for creates. */
function summary(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'pull':
        return `pull ${a.pod}/${a.container} ${a.image}`;
      case 'create':
        return `create ${a.pod}/${a.container} #${a.spec.labels[LABELS.restartCount]}`;
      case 'start':
        return `start ${a.pod}/${a.container} ${a.id.slice(-2)}`;
      case 'remove':
        return `remove ${a.pod}/${a.container} ${a.id.slice(-2)}${a.isRunning ? ' running' : ''}${a.isDetached ? ' detached' : ''}`;
      case 'wait':
        return `wait ${a.pod}/${a.container} +${a.until - T0}ms`;
    }
  });
}

const web = pod('web');
const always = pod('job', { restartPolicy: 'Always' });
const onFailure = pod('job', { restartPolicy: 'OnFailure' });
const never = pod('job', { restartPolicy: 'Never' });
const withId = (c: ActualContainer, id: string): ActualContainer => ({ ...c, id: id.padStart(64, '0') });

interface Case {
  name: string;
  desired: NodeDesired | undefined;
  actual: ActualContainer[];
  context?: Partial<PlanContext>;
  expected: string[];
}

const pullFailure = (at: number): Map<string, StepFailure> =>
  new Map([[failureKey(web.uid, 'main', specHash(containerOf(web))), { podUid: web.uid, step: 'pull', reason: 'ErrImagePull', message: 'no route', at }]]);

const cases: Case[] = [
  { name: 'no desired state yet: changes nothing', desired: undefined, actual: [withId(instance(web, 'main', { state: 'exited' }), 'a1')], expected: [] },
  { name: 'a new pod whose image is present: create', desired: desired([web]), actual: [], expected: ['create web/main #0'] },
  { name: 'IfNotPresent with the image absent: pull, then create', desired: desired([web]), actual: [], context: { images: new Set() }, expected: [`pull web/main ${IMAGE}`, 'create web/main #0'] },
  {
    name: 'Always: pull before create even when present',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [],
    expected: [`pull web/main ${IMAGE}`, 'create web/main #0'],
  },
  { name: ':latest defaults to Always', desired: desired([pod('web', { containers: [{ name: 'main', image: 'app:latest' }] })]), actual: [], context: { images: new Set(['app:latest']) }, expected: ['pull web/main app:latest', 'create web/main #0'] },
  {
    name: 'Never with the image absent: no pull, no create',
    desired: desired([pod('web', { containers: [{ name: 'main', image: 'local/app:1', imagePullPolicy: 'Never' }] })]),
    actual: [],
    expected: [],
  },
  {
    name: 'Never with the image present: create',
    desired: desired([pod('web', { containers: [{ name: 'main', image: 'local/app:1', imagePullPolicy: 'Never' }] })]),
    actual: [],
    context: { images: new Set(['local/app:1']) },
    expected: ['create web/main #0'],
  },
  { name: 'a matching running container is adopted', desired: desired([web]), actual: [withId(instance(web), 'a1')], expected: [] },
  { name: 'a created, never started container is started', desired: desired([web]), actual: [withId(instance(web, 'main', { state: 'created' }), 'a1')], expected: ['start web/main a1'] },
  {
    name: 'a changed spec replaces the container, the count goes on',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, args: ['new'] }] })]),
    actual: [withId(instance(web), 'a1')],
    expected: ['remove web/main a1 running', 'create web/main #1'],
  },
  { name: 'a pod no longer desired is removed, detached from the rest', desired: desired([]), actual: [withId(instance(web), 'a1')], expected: ['remove web/main a1 running detached'] },
  {
    name: 'a pod with the same name but another uid is a different pod',
    desired: desired([pod('web', {}, 'uid-new')]),
    actual: [withId(instance(web), 'a1')],
    expected: ['remove web/main a1 running', 'create web/main #0'],
  },
  {
    name: 'a container dropped from the pod spec is removed',
    desired: desired([pod('web', { containers: [{ name: 'side', image: IMAGE }] })]),
    actual: [withId(instance(web), 'a1'), withId(instance(pod('web', { containers: [{ name: 'side', image: IMAGE }] }), 'side'), 'a2')],
    expected: ['remove web/main a1 running'],
  },
  {
    name: 'foreign containers and other nodes\' containers are ignored',
    desired: desired([]),
    actual: [foreign(), foreign({ [LABELS.node]: NODE }), withId(instance(web, 'main', { node: 'pi-2' }), 'b1')],
    expected: [],
  },
  {
    name: 'Always: an exited container that ran a while is restarted at once, then removed',
    desired: desired([always]),
    actual: [withId(instance(always, 'main', { state: 'exited', exitCode: 0, startedAt: T0 - 60_000, finishedAt: T0 - 10 }), 'a1')],
    expected: ['create job/main #1', 'remove job/main a1'],
  },
  {
    name: 'Always: a container that crashed at once waits out the interval',
    desired: desired([always]),
    actual: [withId(instance(always, 'main', { state: 'exited', exitCode: 1, restartCount: 3, startedAt: T0 - 2000, finishedAt: T0 - 1000 }), 'a1')],
    expected: [`wait job/main +${INTERVAL - 2000}ms`],
  },
  {
    name: 'OnFailure: a failed container is restarted',
    desired: desired([onFailure]),
    actual: [withId(instance(onFailure, 'main', { state: 'exited', exitCode: 2, restartCount: 1 }), 'a1')],
    expected: ['create job/main #2', 'remove job/main a1'],
  },
  { name: 'OnFailure: a completed container stays', desired: desired([onFailure]), actual: [withId(instance(onFailure, 'main', { state: 'exited', exitCode: 0 }), 'a1')], expected: [] },
  { name: 'Never: a failed container stays', desired: desired([never]), actual: [withId(instance(never, 'main', { state: 'exited', exitCode: 1 }), 'a1')], expected: [] },
  {
    name: 'a superseded instance is removed, the newest kept',
    desired: desired([web]),
    actual: [withId(instance(web, 'main', { state: 'exited', restartCount: 1 }), 'a1'), withId(instance(web, 'main', { restartCount: 2 }), 'a2')],
    expected: ['remove web/main a1'],
  },
  { name: 'a recent pull failure is not retried before the interval', desired: desired([web]), actual: [], context: { images: new Set(), failures: pullFailure(T0 - 4000) }, expected: [`wait web/main +${INTERVAL - 4000}ms`] },
  { name: 'an old pull failure is retried', desired: desired([web]), actual: [], context: { images: new Set(), failures: pullFailure(T0 - INTERVAL) }, expected: [`pull web/main ${IMAGE}`, 'create web/main #0'] },
  {
    name: 'a recent start failure of a created container waits',
    desired: desired([web]),
    actual: [withId(instance(web, 'main', { state: 'created' }), 'a1')],
    context: { failures: new Map([[failureKey(web.uid, 'main', specHash(containerOf(web))), { podUid: web.uid, step: 'start', reason: 'RunContainerError', message: 'port in use', at: T0 - 1 }]]) },
    expected: ['wait web/main +9999ms'],
  },
];

describe('plan', () => {
  it.each(cases)('$name', ({ desired: d, actual, context: c, expected }) => {
    expect(summary(plan(d, actual, context(c)))).toEqual(expected);
  });

  it('gives every action a reason', () => {
    for (const { desired: d, actual, context: c } of cases) {
      for (const action of plan(d, actual, context(c))) expect(action.reason).not.toBe('');
    }
  });

  it('creates with the labels that are the agent\'s record, and the last run as lastState', () => {
    const actual = [withId(instance(always, 'main', { state: 'exited', exitCode: 7, restartCount: 4 }), 'a1')];
    const [create] = plan(desired([always]), actual, context());
    expect(create?.type).toBe('create');
    if (create?.type !== 'create') return;
    expect(create.spec.labels).toMatchObject({
      [LABELS.node]: NODE,
      [LABELS.pod]: 'job',
      [LABELS.podUid]: always.uid,
      [LABELS.container]: 'main',
      [LABELS.specHash]: specHash(containerOf(always)),
      [LABELS.restartCount]: '5',
      [LABELS.gracePeriod]: '30',
    });
    expect(JSON.parse(create.spec.labels[LABELS.lastState] ?? '{}')).toMatchObject({ terminated: { exitCode: 7, reason: 'Error' } });
    expect(create.spec.name).toMatch(new RegExp(`^baton_${NODE}_job_main_[0-9a-f]+_5$`));
  });

  it('stops a removed pod with the grace period it was created with', () => {
    const short = pod('web', { terminationGracePeriodSeconds: 3 });
    const [remove] = plan(desired([]), [instance(short)], context());
    expect(remove).toMatchObject({ type: 'remove', graceSeconds: 3, isRunning: true });
  });
});
