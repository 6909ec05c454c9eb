import { describe, expect, it } from 'vitest';
import { LABELS } from './container-labels.js';
import { emptyDirVolumeName } from './container-spec.js';
import { plan } from './plan.js';
import type { ActualContainer } from './runtime/runtime.js';
import { desired, IMAGE, NODE, PAUSE_IMAGE, planContext as context, pod, sandboxOf, summarize as summary } from './testing/fixtures.js';

/** What the planner makes of a pod's shape: its sandbox, network, volumes, environment and privileges. */

const withId = (c: ActualContainer, id: string): ActualContainer => ({ ...c, id: id.padStart(64, '0') });
const duo = pod('duo', { containers: [{ name: 'app', image: IMAGE }, { name: 'side', image: IMAGE }] });

describe('plan: the shape of a pod', () => {
  it('joins the containers of a pod to its sandbox, which holds the host ports', () => {
    const ported = pod('duo', { containers: [{ name: 'app', image: IMAGE, ports: [{ containerPort: 80, hostPort: 8080 }] }, { name: 'side', image: IMAGE }] }, duo.uid);
    const sandbox = withId(sandboxOf(ported, { ip: '172.17.0.5' }), 's1');
    const creates = plan(desired([ported]), [sandbox], [], context()).filter((a) => a.type === 'create');
    expect(creates.map((a) => a.type === 'create' && a.planned.spec)).toEqual([
      expect.objectContaining({ network: { mode: 'container', id: sandbox.id }, ipcContainerId: sandbox.id, ports: [], labels: expect.objectContaining({ [LABELS.sandbox]: sandbox.id }) }),
      expect.objectContaining({ network: { mode: 'container', id: sandbox.id }, ports: [] }),
    ]);
    expect(creates[0]?.type === 'create' && creates[0].planned.spec.hostname).toBeUndefined();
    const [sandboxAction] = plan(desired([ported]), [], [], context());
    expect(sandboxAction).toMatchObject({ type: 'createSandbox', spec: { image: PAUSE_IMAGE, command: ['/pause'], hostname: 'duo', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] } });
  });

  it('fills env fieldRefs from the pod, the node and the sandbox', () => {
    const env = [
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'PLAIN', value: 'x' },
    ];
    const p = pod('envy', { containers: [{ name: 'main', image: IMAGE, env }] });
    // A pod IP is only known before the start with a sandbox, so asking for it gets one.
    expect(summary(plan(desired([p]), [], [], context()))).toEqual(['sandbox envy']);
    const [create] = plan(desired([p]), [withId(sandboxOf(p, { ip: '172.17.0.7' }), 's1')], [], context());
    expect(create?.type === 'create' && create.planned.spec.env).toEqual([
      { name: 'POD', value: 'envy' },
      { name: 'NODE', value: NODE },
      { name: 'POD_IP', value: '172.17.0.7' },
      { name: 'HOST_IP', value: '192.168.1.20' },
      { name: 'PLAIN', value: 'x' },
    ]);
  });

  it('mounts emptyDirs as labelled volumes and leaves hostPaths to be checked on the node', () => {
    const p = pod('vol', {
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'ram', mountPath: '/ram' }, { name: 'gpio', mountPath: '/dev/gpiomem', readOnly: true }] }],
      volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }, { name: 'gpio', hostPath: { path: '/dev/gpiomem', type: 'CharDevice' } }],
    });
    // A memory emptyDir gives the pod a sandbox, which holds it.
    const [create] = plan(desired([p]), [withId(sandboxOf(p), 's1')], [], context({ policy: { allowPrivileged: false, allowedDevices: ['/dev/gpiomem'] } }));
    if (create?.type !== 'create') throw new Error('expected a create');
    expect(create.planned.spec.mounts).toEqual([
      { type: 'volume', name: emptyDirVolumeName(NODE, p.uid, 'scratch'), target: '/scratch', readOnly: false, labels: { [LABELS.node]: NODE, [LABELS.pod]: 'vol', [LABELS.podUid]: p.uid, [LABELS.volume]: 'scratch' } },
      { type: 'volume', name: emptyDirVolumeName(NODE, p.uid, 'ram'), target: '/ram', readOnly: false, labels: expect.any(Object), tmpfsBytes: 16 * 1024 * 1024 },
    ]);
    expect(create.planned.hostPaths).toEqual([{ path: '/dev/gpiomem', type: 'CharDevice', target: '/dev/gpiomem', readOnly: true }]);
  });

  it('keeps a memory emptyDir alive in the sandbox, so a container restart does not empty it', () => {
    const p = pod('ram', { containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'ram', mountPath: '/ram' }] }], volumes: [{ name: 'ram', emptyDir: { medium: 'Memory' } }] });
    const [sandbox] = plan(desired([p]), [], [], context());
    expect(sandbox).toMatchObject({ type: 'createSandbox', spec: { mounts: [{ type: 'volume', name: emptyDirVolumeName(NODE, p.uid, 'ram'), target: '/volumes/ram', tmpfsBytes: 0 }] } });
  });

  it('runs hostNetwork pods in the node\'s network, without a sandbox', () => {
    const p = pod('host', { hostNetwork: true, containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const actions = plan(desired([p]), [], [], context({ policy: { allowPrivileged: false, allowHostNetwork: true } }));
    expect(summary(actions)).toEqual(['create host/a #0', 'create host/b #0']);
    expect(actions.map((a) => a.type === 'create' && a.planned.spec.network)).toEqual([{ mode: 'host' }, { mode: 'host' }]);
  });

  it('admits privileged containers where the node allows them', () => {
    const p = pod('gpio', { containers: [{ name: 'main', image: IMAGE, securityContext: { privileged: true } }] });
    const [create] = plan(desired([p]), [], [], context({ policy: { allowPrivileged: true } }));
    expect(create?.type === 'create' && create.planned.spec.privileged).toBe(true);
  });
});
