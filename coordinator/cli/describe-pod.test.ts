import { describe, expect, it } from 'vitest';
import { eventItem, podItem } from './describe-fixtures.js';
import { describePod, isAboutPod } from './describe-pod.js';

const now = Date.parse('2026-11-24T10:10:00Z');

const running = podItem(
  'web-7d4b9c8f6-x2x9k',
  {
    nodeName: 'pi-1',
    restartPolicy: 'Always',
    containers: [
      {
        name: 'web',
        image: 'baton-test/busybox:1',
        command: ['httpd', '-f'],
        args: ['-p', '8080'],
        ports: [{ containerPort: 8080, hostPort: 80, protocol: 'TCP', name: 'http' }],
        env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'MODE', value: 'prod' }],
        resources: { limits: { memory: '128Mi' }, requests: { cpu: '100m' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        startupProbe: { exec: { command: ['cat', '/tmp/started'] }, failureThreshold: 30, periodSeconds: 1 },
        volumeMounts: [{ name: 'gpio', mountPath: '/dev/gpiomem', readOnly: true }, { name: 'data', mountPath: '/data', readOnly: false }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'gpio', hostPath: { path: '/dev/gpiomem', type: 'CharDevice' } }],
  },
  {
    phase: 'Running',
    hostIP: '192.168.1.20',
    podIP: '172.17.0.3',
    startTime: '2026-11-24T10:00:01Z',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
    containerStatuses: [
      {
        name: 'web',
        ready: true,
        restartCount: 2,
        image: 'baton-test/busybox:1',
        imageID: 'sha256:abc',
        containerID: 'docker://3f1c',
        state: { running: { startedAt: '2026-11-24T10:05:00Z' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-24T10:01:00Z', finishedAt: '2026-11-24T10:04:50Z' } },
      },
    ],
  },
  { labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-d' }] },
);

describe('describePod', () => {
  it('prints a running pod as kubectl does, with its containers, volumes and events', () => {
    const events = [
      eventItem({ reason: 'Unhealthy', type: 'Warning', count: 6, firstTimestamp: '2026-11-24T10:01:30Z', lastTimestamp: '2026-11-24T10:09:00Z', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' }),
      eventItem({ reason: 'Pulled', firstTimestamp: '2026-11-24T10:00:02Z', lastTimestamp: '2026-11-24T10:00:02Z', message: 'Container image "baton-test/busybox:1" already present on machine' }),
    ];
    expect(describePod(running, events, now)).toBe(
      [
        'Name:         web-7d4b9c8f6-x2x9k',
        'Namespace:    default',
        'Node:         pi-1/192.168.1.20',
        'Start Time:   Tue, 24 Nov 2026 10:00:01 +0000',
        'Labels:       app=web',
        'Annotations:  <none>',
        'Status:       Running',
        'IP:           172.17.0.3',
        'IPs:',
        '  IP:           172.17.0.3',
        'Controlled By:  Deployment/web',
        'Containers:',
        '  web:',
        '    Container ID:  docker://3f1c',
        '    Image:         baton-test/busybox:1',
        '    Image ID:      sha256:abc',
        '    Port:          8080/TCP (http)',
        '    Host Port:     80/TCP',
        '    Command:',
        '      httpd',
        '      -f',
        '    Args:',
        '      -p',
        '      8080',
        '    State:          Running',
        '      Started:      Tue, 24 Nov 2026 10:05:00 +0000',
        '    Last State:     Terminated',
        '      Reason:       Error',
        '      Exit Code:    1',
        '      Started:      Tue, 24 Nov 2026 10:01:00 +0000',
        '      Finished:     Tue, 24 Nov 2026 10:04:50 +0000',
        '    Ready:          True',
        '    Restart Count:  2',
        '    Limits:',
        '      memory:  128Mi',
        '    Requests:',
        '      cpu:     100m',
        '    Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
        '    Startup:   exec [cat /tmp/started] delay=0s timeout=1s period=1s #success=1 #failure=30',
        '    Environment:',
        '      POD_IP:  172.17.0.3 (v1:status.podIP)',
        '      MODE:    prod',
        '    Mounts:',
        '      /data from data (rw)',
        '      /dev/gpiomem from gpio (ro)',
        'Conditions:',
        '  Type           Status',
        '  PodScheduled   True',
        '  Ready          True',
        'Volumes:',
        '  data:',
        '    Type:       EmptyDir (a temporary directory that shares a pod\'s lifetime)',
        '    Medium:     Memory',
        '    SizeLimit:  64Mi',
        '  gpio:',
        '    Type:          HostPath (bare host directory volume)',
        '    Path:          /dev/gpiomem',
        '    HostPathType:  CharDevice',
        'QoS Class:         Burstable',
        'Node-Selectors:    <none>',
        'Events:',
        '  Type     Reason     Age                  From         Message',
        '  ----     ------     ----                 ----         -------',
        '  Normal   Pulled     9m58s                baton-agent  Container image "baton-test/busybox:1" already present on machine',
        '  Warning  Unhealthy  60s (x6 over 8m30s)  baton-agent  Liveness probe failed: HTTP probe failed with statuscode: 500',
      ].join('\n'),
    );
  });

  it('prints a pod not yet scheduled: no node, no container status, <none> everywhere', () => {
    const pending = podItem('solo', { containers: [{ name: 'main', image: 'busybox:1' }], nodeSelector: { sensor: 'yes' } }, {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
      containerStatuses: [],
    });
    expect(describePod(pending, [], now)).toBe(
      [
        'Name:         solo',
        'Namespace:    default',
        'Node:         <none>',
        'Labels:       <none>',
        'Annotations:  <none>',
        'Status:       Pending',
        'IP:',
        'IPs:          <none>',
        'Containers:',
        '  main:',
        '    Image:        busybox:1',
        '    Port:         <none>',
        '    Host Port:    <none>',
        '    Environment:  <none>',
        '    Mounts:       <none>',
        'Conditions:',
        '  Type           Status',
        '  PodScheduled   False',
        'Volumes:         <none>',
        'QoS Class:       BestEffort',
        'Node-Selectors:  sensor=yes',
        'Events:          <none>',
      ].join('\n'),
    );
  });

  it('reads what it can of a pod it does not fully understand', () => {
    const odd = podItem('odd', { containers: 'not a list' }, { phase: 'Exploded' });
    const text = describePod(odd, [], now);
    expect(text).toContain('Status:       Unknown');
    expect(text).toContain('Containers: <none>');
  });
});

describe('isAboutPod', () => {
  it.each<[string, Parameters<typeof eventItem>[0]['involvedObject'], boolean]>([
    ['its name and uid', { kind: 'Pod', name: 'web-7d4b9c8f6-x2x9k', uid: 'uid-web-7d4b9c8f6-x2x9k' }, true],
    ['its name, uid unknown', { kind: 'Pod', name: 'web-7d4b9c8f6-x2x9k' }, true],
    ['its name, an earlier pod\'s uid', { kind: 'Pod', name: 'web-7d4b9c8f6-x2x9k', uid: 'uid-old' }, false],
    ['another pod', { kind: 'Pod', name: 'db' }, false],
    ['its node', { kind: 'Node', name: 'pi-1' }, false],
  ])('%s -> %s', (_what, involvedObject, expected) => {
    expect(isAboutPod(eventItem({ reason: 'Started', involvedObject: involvedObject! }), running)).toBe(expected);
  });
});
