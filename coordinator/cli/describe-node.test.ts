import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../protocol/messages.js';
import { eventItem, podItem } from './describe-fixtures.js';
import { describeNode, isAboutNode, podAmounts } from './describe-node.js';
import { viewDescribedPod } from './describe-views.js';

const now = Date.parse('2026-11-24T10:10:00Z');

const online: NodeStatus = {
  protocol: 'v1',
  node: 'pi-1',
  state: 'online',
  time: '2026-11-24T10:09:55Z',
  startedAt: '2026-11-24T07:00:00Z',
  labels: { 'node-role.kubernetes.io/edge': '', sensor: 'yes' },
  capacity: { cpu: '4', memory: '4Gi', pods: '110' },
  allocatable: { cpu: '4', memory: '4Gi', pods: '110' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady', message: 'agent is ready', lastTransitionTime: '2026-11-24T07:00:01Z' }],
  info: {
    architecture: 'arm64',
    operatingSystem: 'linux',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.6.31+rpt-rpi-v8',
    piModel: 'Raspberry Pi 4 Model B Rev 1.4',
    cpus: 4,
    memoryBytes: 4 * 2 ** 30,
    temperatureCelsius: 48.25,
    containerRuntimeVersion: 'docker://24.0.5',
    agentVersion: '0.1.0',
  },
  usage: { cpuPercent: 12.5, memoryBytes: 1.5 * 2 ** 30 },
  observedGeneration: 7,
  taints: [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'maintenance', effect: 'NoExecute' },
  ],
  allows: { privileged: false, hostNetwork: true, hostPaths: ['/srv/data', '/var/log'], devices: ['/dev/ttyUSB*'] },
};

const container = (resources: Record<string, unknown>) => ({ name: 'app', image: 'busybox:1', resources });
const pods = [
  podItem('web', { nodeName: 'pi-1', containers: [container({ requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } })] }, { phase: 'Running', conditions: [], containerStatuses: [] }, { creationTimestamp: '2026-11-24T10:05:00Z' }),
  podItem('sensor', { nodeName: 'pi-1', containers: [container({ limits: { cpu: '1', memory: '1Gi' } }), container({})] }, { phase: 'Pending', conditions: [], containerStatuses: [] }),
  podItem('job', { nodeName: 'pi-1', containers: [container({ requests: { cpu: '2' } })] }, { phase: 'Succeeded', conditions: [], containerStatuses: [] }),
];

describe('describeNode', () => {
  it('prints a node with its facts, taints and cordon, the pods on it (not finished ones) and what they ask for, and its events', () => {
    const events = [eventItem({ reason: 'NodeReady', involvedObject: { kind: 'Node', name: 'pi-1' }, message: 'Node pi-1 status is now: NodeReady', firstTimestamp: '2026-11-24T07:00:01Z', lastTimestamp: '2026-11-24T07:00:01Z' })];
    expect(describeNode(online, pods, events, now, true)).toBe(
      [
        'Name:                 pi-1',
        'Roles:                edge',
        'Labels:               node-role.kubernetes.io/edge=',
        '                      sensor=yes',
        'CreationTimestamp:    Tue, 24 Nov 2026 07:00:00 +0000',
        'Taints:               dedicated=gpu:NoSchedule',
        '                      maintenance:NoExecute',
        'Unschedulable:        true',
        'Allows:               hostNetwork',
        '                      hostPath /srv/data',
        '                      hostPath /var/log',
        '                      device /dev/ttyUSB*',
        'State:                online',
        'Last Status:          Tue, 24 Nov 2026 10:09:55 +0000',
        'Observed Generation:  7',
        'Conditions:',
        '  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason       Message',
        '  ----    ------  -----------------                 ------------------                ------       -------',
        '  Ready   True    Tue, 24 Nov 2026 10:09:55 +0000   Tue, 24 Nov 2026 07:00:01 +0000   AgentReady   agent is ready',
        'Capacity:',
        '  cpu:     4',
        '  memory:  4Gi',
        '  pods:    110',
        'Allocatable:',
        '  cpu:     4',
        '  memory:  4Gi',
        '  pods:    110',
        'System Info:',
        '  Kernel Version:             6.6.31+rpt-rpi-v8',
        '  OS Image:                   Debian GNU/Linux 12 (bookworm)',
        '  Operating System:           linux',
        '  Architecture:               arm64',
        '  Container Runtime Version:  docker://24.0.5',
        '  Agent Version:              0.1.0',
        '  CPUs:                       4',
        '  Memory:                     4Gi',
        '  Pi Model:                   Raspberry Pi 4 Model B Rev 1.4',
        '  Temperature:                48.3°C',
        'Usage:',
        '  CPU:                12.5%',
        '  Memory:             1.5Gi',
        'Non-terminated Pods:  (2 in total)',
        '  Namespace           Name    CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age',
        '  ---------           ----    ------------  ----------  ---------------  -------------  ---',
        '  default             web     250m (6%)     0 (0%)      64Mi (1%)        128Mi (3%)     5m',
        '  default             sensor  1 (25%)       1 (25%)     1Gi (25%)        1Gi (25%)      10m',
        'Allocated resources:',
        '  (Total limits may be over 100 percent, i.e., overcommitted.)',
        '  Resource  Requests      Limits',
        '  --------  --------      ------',
        '  cpu       1250m (31%)   1 (25%)',
        '  memory    1088Mi (26%)  1152Mi (28%)',
        'Events:',
        '  Type    Reason     Age   From         Message',
        '  ----    ------     ----  ----         -------',
        '  Normal  NodeReady  3h9m  baton-agent  Node pi-1 status is now: NodeReady',
      ].join('\n'),
    );
  });

  it('prints an offline node that never reported its facts', () => {
    const gone: NodeStatus = { protocol: 'v1', node: 'pi-9', state: 'offline', reason: 'ConnectionLost' };
    expect(describeNode(gone, [], [], now)).toBe(
      [
        'Name:                 pi-9',
        'Roles:                <none>',
        'Labels:               <none>',
        'CreationTimestamp:    <unset>',
        'Taints:               <none>',
        'Unschedulable:        false',
        'Allows:               <not reported: plain containers only>',
        'State:                offline (ConnectionLost)',
        'Last Status:          <unset>',
        'Non-terminated Pods:  (0 in total)',
        '  Namespace           Name  CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age',
        '  ---------           ----  ------------  ----------  ---------------  -------------  ---',
        'Allocated resources:',
        '  (Total limits may be over 100 percent, i.e., overcommitted.)',
        '  Resource  Requests  Limits',
        '  --------  --------  ------',
        '  cpu       0         0',
        '  memory    0         0',
        'Events:     <none>',
      ].join('\n'),
    );
  });
});

describe('describeNode: what the node allows', () => {
  const allowsBlock = (status: NodeStatus): string[] => {
    const lines = describeNode(status, [], [], now).split('\n');
    const start = lines.findIndex((l) => l.startsWith('Allows:'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith(' '));
    return lines.slice(start, end);
  };
  it('says "plain containers only" when the agent allows nothing, and lists privileged containers first', () => {
    expect(allowsBlock({ ...online, allows: { privileged: false, hostNetwork: false, hostPaths: [], devices: [] } })).toEqual(['Allows:               plain containers only']);
    expect(allowsBlock({ ...online, allows: { privileged: true, hostNetwork: false, hostPaths: [], devices: ['/dev/gpiomem'] } })).toEqual([
      'Allows:               privileged containers',
      '                      device /dev/gpiomem',
    ]);
  });
});

describe('podAmounts', () => {
  it('sums requests (a missing one is the limit) and limits over the containers', () => {
    const spec = viewDescribedPod(pods[1]!).spec;
    expect(podAmounts(spec.containers)).toEqual({ cpuRequest: 1000, cpuLimit: 1000, memoryRequest: 2 ** 30, memoryLimit: 2 ** 30 });
  });
});

describe('isAboutNode', () => {
  it.each<[string, { kind: string; name: string }, boolean]>([
    ['the node', { kind: 'Node', name: 'pi-1' }, true],
    ['another node', { kind: 'Node', name: 'pi-2' }, false],
    ['a pod of the node\'s name', { kind: 'Pod', name: 'pi-1' }, false],
  ])('%s -> %s', (_what, involvedObject, expected) => {
    expect(isAboutNode(eventItem({ reason: 'X', involvedObject }), 'pi-1')).toBe(expected);
  });
});
