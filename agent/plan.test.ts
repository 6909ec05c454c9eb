import { describe, expect, it } from 'vitest';
import type { NodeDesired } from '../protocol/messages.js';
import { failureKey, type PullView, type StepFailure } from './actions.js';
import { LABELS, specHash } from './container-labels.js';
import { emptyDirVolumeName, sandboxHash } from './container-spec.js';
import { plan } from './plan.js';
import { pullRequesterKey } from './plan-container.js';
import type { ActualContainer, ActualVolume } from './runtime/runtime.js';
import { containerOf, desired, foreign, IMAGE, instance, NODE, planContext, pod, sandboxOf, summarize, T0, type ContextOverrides } from './testing/fixtures.js';

const context = planContext;
type Overrides = ContextOverrides;

const summary = summarize;

const web = pod('web');
const always = pod('job', { restartPolicy: 'Always' });
const onFailure = pod('job', { restartPolicy: 'OnFailure' });
const never = pod('job', { restartPolicy: 'Never' });
const withId = (c: ActualContainer, id: string): ActualContainer => ({ ...c, id: id.padStart(64, '0') });

interface Case {
  name: string;
  desired: NodeDesired | undefined;
  actual: ActualContainer[];
  volumes?: ActualVolume[];
  context?: Overrides;
  expected: string[];
}

const startFailure = (retryAt: number): Map<string, StepFailure> =>
  new Map([[failureKey(web.uid, 'main', specHash(containerOf(web))), { podUid: web.uid, step: 'start', reason: 'RunContainerError', message: 'port in use', at: T0 - 1, failures: 1, retryAt }]]);
const pullFailed = (at: number, retryAt: number): Record<string, PullView> => ({ [IMAGE]: { failure: { message: 'not found', at, retryAt, failures: 2 } } });
const webKey = pullRequesterKey(web.uid, 'main', specHash(containerOf(web)), 0);
const duo = pod('duo', { containers: [{ name: 'app', image: IMAGE }, { name: 'side', image: IMAGE }] });
const duoSandbox = withId(sandboxOf(duo), 's1');
const neverDuo = pod('duo', { restartPolicy: 'Never', containers: [{ name: 'app', image: IMAGE }, { name: 'side', image: IMAGE }] });
const onFailureDuo = pod('duo', { restartPolicy: 'OnFailure', containers: [{ name: 'app', image: IMAGE }, { name: 'side', image: IMAGE }] });
const withDir = pod('cache', { containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] });
const volume = (p: typeof web, name: string): ActualVolume => ({ name: emptyDirVolumeName(NODE, p.uid, name), labels: { [LABELS.node]: NODE, [LABELS.pod]: p.name, [LABELS.podUid]: p.uid, [LABELS.volume]: name } });
const probed = pod('web', { containers: [{ name: 'main', image: IMAGE, livenessProbe: { exec: { command: ['true'] } } }] });

const cases: Case[] = [
  { name: 'no desired state yet: changes nothing', desired: undefined, actual: [withId(instance(web, 'main', { state: 'exited' }), 'a1')], expected: [] },
  { name: 'a new pod whose image is present: create', desired: desired([web]), actual: [], expected: ['create web/main #0'] },
  { name: 'IfNotPresent with the image absent: ask for a pull, create nothing yet', desired: desired([web]), actual: [], context: { images: new Set() }, expected: [`pull web/main ${IMAGE}`] },
  {
    name: 'IfNotPresent while the pull runs: keep asking (joins it), nothing else',
    desired: desired([web]),
    actual: [],
    context: { images: new Set(), pulls: { [IMAGE]: { inFlight: { startedAt: T0 - 500 } } } },
    expected: [`pull web/main ${IMAGE}`],
  },
  {
    name: 'Always: pull even when present',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [],
    expected: [`pull web/main ${IMAGE}`],
  },
  {
    name: 'Always: create once a pull for this start has succeeded',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [],
    context: { satisfied: [pullRequesterKey(web.uid, 'main', specHash(containerOf(pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] }))), 0)] },
    expected: ['create web/main #0'],
  },
  {
    name: 'Always: a failed pull (offline) with the image on the node: create from it rather than stay down',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [],
    context: { pulls: pullFailed(T0 - 100, T0 + 10_000) },
    expected: ['create web/main #0'],
  },
  {
    name: 'Always: a failed pull with no image on the node: back off as kubelet does',
    desired: desired([pod('web', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [],
    context: { images: new Set(), pulls: pullFailed(T0 - 100, T0 + 10_000) },
    expected: ['wait web/main +10000ms', 'wait web/main +900ms'],
  },
  { name: ':latest defaults to Always', desired: desired([pod('web', { containers: [{ name: 'main', image: 'app:latest' }] })]), actual: [], context: { images: new Set(['app:latest']) }, expected: ['pull web/main app:latest'] },
  {
    name: 'a failed pull in back-off: wait for the retry, and wake when ErrImagePull turns into ImagePullBackOff',
    desired: desired([web]),
    actual: [],
    context: { images: new Set(), pulls: pullFailed(T0 - 200, T0 + 20_000) },
    expected: ['wait web/main +20000ms', 'wait web/main +800ms'],
  },
  { name: 'a failed pull past its back-off is asked for again', desired: desired([web]), actual: [], context: { images: new Set(), pulls: pullFailed(T0 - 20_000, T0) }, expected: [`pull web/main ${IMAGE}`] },
  {
    name: 'Never with the image absent: no pull, no create; an ErrImageNeverPull warning, once',
    desired: desired([pod('web', { containers: [{ name: 'main', image: 'local/app:1', imagePullPolicy: 'Never' }] })]),
    actual: [],
    expected: ['wait web/main +Infinityms'],
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
  { name: 'a pod no longer desired is removed, detached from the rest', desired: desired([]), actual: [withId(instance(web), 'a1')], expected: ['remove web/main a1 running'] },
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
    name: 'Always: the first crash restarts at once, whatever the run',
    desired: desired([always]),
    actual: [withId(instance(always, 'main', { state: 'exited', exitCode: 1, startedAt: T0 - 2000, finishedAt: T0 - 1000 }), 'a1')],
    expected: ['create job/main #1', 'remove job/main a1'],
  },
  {
    name: 'Always: a later crash waits out the back-off it owes (CrashLoopBackOff)',
    desired: desired([always]),
    actual: [withId(instance(always, 'main', { state: 'exited', exitCode: 1, restartCount: 3, backoffMs: 40_000, startedAt: T0 - 2000, finishedAt: T0 - 1000 }), 'a1')],
    expected: ['wait job/main +39000ms'],
  },
  {
    name: 'Always: after the back-off the container is restarted',
    desired: desired([always]),
    actual: [withId(instance(always, 'main', { state: 'exited', exitCode: 1, restartCount: 3, backoffMs: 40_000, startedAt: T0 - 42_000, finishedAt: T0 - 40_000 }), 'a1')],
    expected: ['create job/main #4', 'remove job/main a1'],
  },
  {
    name: 'Always pull policy: a restart waits for its pull with the exited container kept (its count and last run)',
    desired: desired([pod('job', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] })]),
    actual: [withId(instance(pod('job', { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Always' }] }), 'main', { state: 'exited', exitCode: 1 }), 'a1')],
    expected: [`pull job/main ${IMAGE}`],
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
  {
    name: 'a failed start of a created container waits out its back-off',
    desired: desired([web]),
    actual: [withId(instance(web, 'main', { state: 'created' }), 'a1')],
    context: { failures: startFailure(T0 + 9999) },
    expected: ['wait web/main +9999ms'],
  },
  { name: 'a failed start past its back-off is tried again', desired: desired([web]), actual: [withId(instance(web, 'main', { state: 'created' }), 'a1')], context: { failures: startFailure(T0) }, expected: ['start web/main a1'] },
  { name: 'a running container that passes its probes stays', desired: desired([probed]), actual: [withId(instance(probed), 'a1')], context: { probes: { ['a1'.padStart(64, '0')]: { started: true, ready: true } } }, expected: [] },
  {
    name: 'a running container that failed its liveness probe is stopped, to be restarted by policy',
    desired: desired([probed]),
    actual: [withId(instance(probed), 'a1')],
    context: { probes: { ['a1'.padStart(64, '0')]: { started: true, ready: false, failed: { probe: 'liveness', message: 'exit 1' } } } },
    expected: ['kill web/main a1'],
  },
  { name: 'a pod of two containers gets a sandbox first, and nothing else yet', desired: desired([duo]), actual: [], expected: ['sandbox duo'] },
  { name: 'with its sandbox running, the containers are created', desired: desired([duo]), actual: [duoSandbox], expected: ['create duo/app #0', 'create duo/side #0'] },
  {
    name: 'a dead sandbox is replaced; the containers wait for the new one',
    desired: desired([duo]),
    actual: [withId(sandboxOf(duo, { state: 'exited' }), 's0'), withId(instance(duo, 'app', { sandbox: { id: 's0'.padStart(64, '0') } }), 'a1')],
    expected: ['remove duo/sandbox s0', 'sandbox duo'],
  },
  {
    name: 'containers joined to an old sandbox are replaced, the count going on',
    desired: desired([duo]),
    actual: [duoSandbox, withId(instance(duo, 'app', { sandbox: { id: 's0'.padStart(64, '0') }, restartCount: 2 }), 'a1'), withId(instance(duo, 'side', { sandbox: { id: duoSandbox.id } }), 'a2')],
    expected: ['remove duo/app a1 running', 'create duo/app #3'],
  },
  { name: 'a gone pod\'s sandbox is removed once its containers are gone,', desired: desired([]), actual: [duoSandbox], expected: ['remove duo/sandbox s1 running'] },
  {
    name: 'a gone pod\'s containers go first: its sandbox keeps their network while they stop',
    desired: desired([]),
    actual: [duoSandbox, withId(instance(duo, 'app', { sandbox: { id: duoSandbox.id } }), 'a1')],
    expected: ['remove duo/app a1 running'],
  },
  {
    name: 'a sandbox that died young is recreated only after its back-off',
    desired: desired([duo]),
    actual: [withId({ ...sandboxOf(duo, { state: 'exited' }), labels: { ...sandboxOf(duo).labels, [LABELS.backoff]: '20000' }, startedAt: new Date(T0 - 3000).toISOString(), finishedAt: new Date(T0 - 1000).toISOString() }, 's0')],
    expected: ['remove duo/sandbox s0', 'wait duo/ +19000ms'],
  },
  {
    name: 'a sandbox created but never started (the agent killed between the two steps) is started, not made again',
    desired: desired([duo]),
    actual: [withId(sandboxOf(duo, { state: 'created' }), 's0')],
    expected: ['start duo/ s0'],
  },
  {
    name: 'an unstarted sandbox that failed to start is replaced after the back-off',
    desired: desired([duo]),
    actual: [withId(sandboxOf(duo, { state: 'created' }), 's0')],
    context: { failures: new Map([[failureKey(duo.uid, '', sandboxHash(duo)), { podUid: duo.uid, step: 'start', reason: 'CreatePodSandboxError', message: 'port in use', at: T0 - 1, failures: 1, retryAt: T0 + 5000 }]]) },
    expected: ['remove duo/sandbox s0', 'wait duo/ +5000ms'],
  },
  {
    name: 'an unstarted sandbox of an older configuration is replaced',
    desired: desired([pod('duo', { containers: [{ name: 'app', image: IMAGE, ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: 'side', image: IMAGE }] }, duo.uid)]),
    actual: [withId(sandboxOf(duo, { state: 'created' }), 's0')],
    expected: ['remove duo/sandbox s0', 'sandbox duo'],
  },
  {
    name: 'Never: once its containers ran, a pod whose sandbox died gets no new one; what still runs is stopped',
    desired: desired([neverDuo]),
    actual: [
      withId(sandboxOf(neverDuo, { state: 'exited' }), 's0'),
      withId(instance(neverDuo, 'app', { sandbox: { id: 's0'.padStart(64, '0') }, state: 'exited', exitCode: 0 }), 'a1'),
      withId(instance(neverDuo, 'side', { sandbox: { id: 's0'.padStart(64, '0') } }), 'a2'),
    ],
    expected: ['kill duo/side a2', 'remove duo/sandbox s0'],
  },
  {
    name: 'OnFailure: a recreated sandbox does not run again a container that completed',
    desired: desired([onFailureDuo]),
    actual: [
      withId(sandboxOf(onFailureDuo), 's1'),
      withId(instance(onFailureDuo, 'app', { sandbox: { id: 's0'.padStart(64, '0') }, state: 'exited', exitCode: 0 }), 'a1'),
      withId(instance(onFailureDuo, 'side', { sandbox: { id: 's0'.padStart(64, '0') }, state: 'exited', exitCode: 1, restartCount: 2 }), 'a2'),
    ],
    expected: ['create duo/side #3', 'remove duo/side a2'],
  },
  {
    name: 'a pod whose containers all finished for good has its sandbox removed',
    desired: desired([onFailureDuo]),
    actual: [
      withId(sandboxOf(onFailureDuo), 's1'),
      withId(instance(onFailureDuo, 'app', { sandbox: { id: 's1'.padStart(64, '0') }, state: 'exited', exitCode: 0 }), 'a1'),
      withId(instance(onFailureDuo, 'side', { sandbox: { id: 's1'.padStart(64, '0') }, state: 'exited', exitCode: 0 }), 'a2'),
    ],
    expected: ['remove duo/sandbox s1 running'],
  },
  {
    name: 'a changed spec whose image must be pulled keeps the old container until the new one can be created',
    desired: desired([pod('web', { containers: [{ name: 'main', image: 'other:1', command: ['sleep', '3600'] }] })]),
    actual: [withId(instance(web, 'main', { restartCount: 5 }), 'a1')],
    expected: ['pull web/main other:1'],
  },
  { name: 'an emptyDir of a pod still wanted stays', desired: desired([withDir]), actual: [withId(instance(withDir), 'a1')], volumes: [volume(withDir, 'data')], expected: [] },
  { name: 'an emptyDir is removed once its pod and all its containers are gone', desired: desired([]), actual: [], volumes: [volume(withDir, 'data')], expected: [`removeVolume ${emptyDirVolumeName(NODE, withDir.uid, 'data')}`] },
  { name: 'an emptyDir waits while a container of its pod is still there', desired: desired([]), actual: [withId(instance(withDir, 'main', { state: 'exited' }), 'a1')], volumes: [volume(withDir, 'data')], expected: ['remove cache/main a1'] },
  {
    name: 'a privileged pod on a node that does not allow it: nothing is created, and what runs is removed',
    desired: desired([pod('gpio', { containers: [{ name: 'main', image: IMAGE, securityContext: { privileged: true } }] })]),
    actual: [withId(instance(pod('gpio', { containers: [{ name: 'main', image: IMAGE, securityContext: { privileged: true } }] })), 'a1')],
    expected: ['remove gpio/main a1 running'],
  },
];

describe('plan', () => {
  it.each(cases)('$name', ({ desired: d, actual, volumes, context: c, expected }) => {
    expect(summary(plan(d, actual, volumes ?? [], context(c)))).toEqual(expected);
  });

  it('gives every action a reason', () => {
    for (const { desired: d, actual, volumes, context: c } of cases) {
      for (const action of plan(d, actual, volumes ?? [], context(c))) expect(action.reason).not.toBe('');
    }
  });

  it('creates with the labels that are the agent\'s record, and the last run as lastState', () => {
    const actual = [withId(instance(always, 'main', { state: 'exited', exitCode: 7, restartCount: 4 }), 'a1')];
    const [create] = plan(desired([always]), actual, [], context());
    expect(create?.type).toBe('create');
    if (create?.type !== 'create') return;
    expect(create.planned.spec.labels).toMatchObject({
      [LABELS.node]: NODE,
      [LABELS.pod]: 'job',
      [LABELS.podUid]: always.uid,
      [LABELS.container]: 'main',
      [LABELS.specHash]: specHash(containerOf(always)),
      [LABELS.restartCount]: '5',
      [LABELS.gracePeriod]: '30',
    });
    expect(JSON.parse(create.planned.spec.labels[LABELS.lastState] ?? '{}')).toMatchObject({ terminated: { exitCode: 7, reason: 'Error' } });
    // The first restart was at once; the next one will owe the first back-off.
    expect(create.planned.spec.labels[LABELS.backoff]).toBe('10000');
    expect(create.planned.spec.name).toMatch(new RegExp(`^baton_${NODE}_job_main_[0-9a-f]+_5$`));
  });

  it('stops a removed pod with the grace period it was created with', () => {
    const short = pod('web', { terminationGracePeriodSeconds: 3 });
    const [remove] = plan(desired([]), [instance(short)], [], context());
    expect(remove).toMatchObject({ type: 'remove', graceSeconds: 3, isRunning: true });
  });

  it('asks the puller for the image under the key of this creation attempt', () => {
    const [pull] = plan(desired([web]), [], [], context({ images: new Set() }));
    expect(pull).toMatchObject({ type: 'pull', image: IMAGE, requesterKey: webKey });
  });
});
