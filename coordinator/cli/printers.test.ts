import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../protocol/messages.js';
import type { ListItem } from '../../protocol/requests.js';
import { eventItem } from './describe-fixtures.js';
import { renderEvents, renderItems, renderNodes } from './printers.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const created = '2026-01-01T11:57:00Z'; // 3m before now

function item(kind: string, name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): ListItem {
  return {
    apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
    kind,
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: created },
    spec,
    ...(status ? { status } : {}),
  };
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'httpd', image: 'busybox:1' }, { name: 'side', image: 'busybox:2' }] } };

describe('renderItems', () => {
  it('prints pods, wide with IP and NODE', () => {
    const pods = [
      item('Pod', 'web-1', { containers: [{ name: 'httpd', image: 'busybox:1' }], nodeName: 'pi-1' }, {
        phase: 'Running',
        conditions: [],
        podIP: '172.17.0.2',
        containerStatuses: [{ name: 'httpd', ready: true, restartCount: 1, image: 'busybox:1', state: { running: { startedAt: created } } }],
      }),
      item('Pod', 'web-2', { containers: [{ name: 'httpd', image: 'busybox:1' }] }, { phase: 'Pending', conditions: [], containerStatuses: [] }),
      item('Pod', 'odd', { containers: 'not a list' }, { phase: 'Exploded' }),
    ];
    expect(renderItems('pods', pods, { wide: false, now })).toBe(
      ['NAME    READY   STATUS    RESTARTS   AGE', 'web-1   1/1     Running   1          3m', 'web-2   0/1     Pending   0          3m', 'odd     0/0     Unknown   0          3m'].join('\n'),
    );
    expect(renderItems('pods', pods.slice(0, 2), { wide: true, now })).toBe(
      [
        'NAME    READY   STATUS    RESTARTS   AGE   IP           NODE',
        'web-1   1/1     Running   1          3m    172.17.0.2   pi-1',
        'web-2   0/1     Pending   0          3m    <none>       <none>',
      ].join('\n'),
    );
  });

  it('prints deployments, counting missing status fields as 0', () => {
    const deployments = [
      item('Deployment', 'web', { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 }),
      item('Deployment', 'new', { replicas: 1, selector: { matchLabels: { app: 'web' } }, template }),
    ];
    expect(renderItems('deployments', deployments, { wide: false, now })).toBe(
      ['NAME   READY   UP-TO-DATE   AVAILABLE   AGE', 'web    2/3     3            2           3m', 'new    0/1     0            0           3m'].join('\n'),
    );
    expect(renderItems('deployments', deployments.slice(0, 1), { wide: true, now })).toBe(
      [
        'NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                SELECTOR',
        'web    2/3     3            2           3m    httpd,side   busybox:1,busybox:2   app=web',
      ].join('\n'),
    );
  });

  it('prints daemonsets with their node selector', () => {
    const daemonSets = [
      item(
        'DaemonSet',
        'exporter',
        { selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/arch': 'arm64', zone: 'attic' } } } },
        { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3 },
      ),
      item('DaemonSet', 'all', { selector: { matchLabels: { app: 'web' } }, template }),
    ];
    expect(renderItems('daemonsets', daemonSets, { wide: false, now })).toBe(
      [
        'NAME       DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR                         AGE',
        'exporter   3         3         2       3            2           kubernetes.io/arch=arm64,zone=attic   3m',
        'all        0         0         0       0            0           <none>                                3m',
      ].join('\n'),
    );
  });
});

describe('renderNodes', () => {
  const pi: NodeStatus = {
    protocol: 'v1',
    node: 'pi-1',
    state: 'online',
    startedAt: '2025-12-27T12:00:00Z',
    conditions: [{ type: 'Ready', status: 'True' }],
    info: {
      architecture: 'arm64', operatingSystem: 'linux', osImage: 'Raspberry Pi OS', kernelVersion: '6.6.31', piModel: 'Raspberry Pi 5',
      cpus: 4, memoryBytes: 8 * 2 ** 30, temperatureCelsius: 51.04, containerRuntimeVersion: 'docker://24', agentVersion: '0.1.0',
    },
  };
  const bare: NodeStatus = { protocol: 'v1', node: 'x86', state: 'offline', reason: 'AgentStopped' };

  it('prints STATUS, ROLES, AGE and VERSION, with <unknown> for what a node never said', () => {
    expect(renderNodes([pi, bare], { wide: false, now })).toBe(
      ['NAME   STATUS     ROLES    AGE         VERSION', 'pi-1   Ready      <none>   5d          0.1.0', 'x86    NotReady   <none>   <unknown>   <unknown>'].join('\n'),
    );
  });

  it('adds the node facts with wide', () => {
    expect(renderNodes([pi], { wide: true, now })).toBe(
      [
        'NAME   STATUS   ROLES    AGE   VERSION   ARCH    OS-IMAGE          KERNEL-VERSION   CPU   MEMORY   PI-MODEL         TEMP',
        'pi-1   Ready    <none>   5d    0.1.0     arm64   Raspberry Pi OS   6.6.31           4     8Gi      Raspberry Pi 5   51.0°C',
      ].join('\n'),
    );
  });
});

describe('renderEvents', () => {
  const events = [
    eventItem({ reason: 'Pulled', involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' }, message: 'Container image "busybox:1" already present on machine', firstTimestamp: '2026-01-01T11:58:00Z', lastTimestamp: '2026-01-01T11:58:00Z' }),
    eventItem({ reason: 'BackOff', type: 'Warning', count: 4, involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' }, message: 'Back-off restarting failed container app\n', firstTimestamp: '2026-01-01T11:57:00Z', lastTimestamp: '2026-01-01T11:59:30Z' }),
    eventItem({ reason: 'NodeReady', involvedObject: { kind: 'Node', name: 'pi-1' }, message: 'ready', firstTimestamp: '2026-01-01T11:59:45Z', lastTimestamp: '2026-01-01T11:59:45Z' }),
  ];

  it('prints LAST SEEN, TYPE, REASON, OBJECT and MESSAGE as kubectl, in the order given', () => {
    expect(renderEvents(events, { wide: false, now })).toBe(
      [
        'LAST SEEN   TYPE      REASON      OBJECT      MESSAGE',
        '2m          Normal    Pulled      pod/web     Container image "busybox:1" already present on machine',
        '30s         Warning   BackOff     pod/web     Back-off restarting failed container app',
        '15s         Normal    NodeReady   node/pi-1   ready',
      ].join('\n'),
    );
  });

  it('adds SUBOBJECT, SOURCE, FIRST SEEN, COUNT and NAME with wide', () => {
    expect(renderEvents(events.slice(1, 2), { wide: true, now })).toBe(
      [
        'LAST SEEN   TYPE      REASON    OBJECT    SUBOBJECT              SOURCE              MESSAGE                                    FIRST SEEN   COUNT   NAME',
        '30s         Warning   BackOff   pod/web   spec.containers{app}   baton-agent, pi-1   Back-off restarting failed container app   3m           4       web.BackOff',
      ].join('\n'),
    );
  });
});
