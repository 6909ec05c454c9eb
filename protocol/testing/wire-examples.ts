import type { PayloadKind } from '../limits.js';

/**
 * One or more valid payloads of every kind of message, as plain JSON values: the seeds
 * the decoders' fuzz test mutates. Each must decode as it stands (the test checks).
 * The desired state's pod uses every container field, so mutations reach them all.
 */

export const SECRET_MARKER = 'S3CRET-fuzz-marker';

const fullPodSpec = {
  containers: [
    {
      name: 'web',
      image: 'baton-test/busybox:1',
      command: ['httpd', '-f', '-p', '8080'],
      args: ['-h', '/var/www'],
      workingDir: '/var/www',
      env: [
        { name: 'TOKEN', value: SECRET_MARKER },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
      ports: [{ name: 'http', containerPort: 8080, hostPort: 8080, hostIP: '127.0.0.1', protocol: 'TCP' }],
      resources: { requests: { cpu: '50m', memory: '16Mi' }, limits: { cpu: 1, memory: '32Mi' } },
      imagePullPolicy: 'IfNotPresent',
      volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      livenessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 5 },
      readinessProbe: { tcpSocket: { port: 8080 }, successThreshold: 2 },
      startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
      securityContext: { privileged: false },
    },
  ],
  restartPolicy: 'Always',
  nodeSelector: { room: 'kitchen' },
  nodeName: 'pi-kitchen',
  terminationGracePeriodSeconds: 30,
  hostNetwork: false,
  volumes: [{ name: 'data', hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } }],
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'sensors', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64', 'arm'] }] }],
      },
    },
  },
};

const time = '2026-11-24T10:00:01.000Z';

export const wireExamples: Record<PayloadKind, unknown[]> = {
  nodeDesired: [
    {
      protocol: 'v1',
      node: 'pi-kitchen',
      generation: 7,
      pods: [
        {
          name: 'hello-5d8f6c7b9a-x2k4q',
          uid: '0b6e7c1e-9d6a-4a57-9a3c-2f7f4e0c1d11',
          labels: { app: 'hello' },
          owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'hello', uid: 'u-1' },
          spec: fullPodSpec,
        },
      ],
    },
  ],
  nodeStatus: [
    {
      protocol: 'v1',
      node: 'pi-kitchen',
      state: 'online',
      time,
      startedAt: time,
      info: {
        architecture: 'arm64',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.6.51',
        piModel: 'Raspberry Pi 4 Model B Rev 1.4',
        cpus: 4,
        memoryBytes: 999817216,
        temperatureCelsius: 47.2,
        containerRuntimeVersion: 'docker://20.10.24',
        agentVersion: '0.1.0',
      },
      labels: { 'kubernetes.io/arch': 'arm64', room: 'kitchen' },
      taints: [{ key: 'dedicated', value: 'sensors', effect: 'NoSchedule' }],
      capacity: { cpu: '4', memory: '976384Ki', pods: '110' },
      allocatable: { cpu: '4', memory: '976384Ki', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady', message: 'ok', lastTransitionTime: time }],
      usage: { cpuPercent: 3.5, memoryBytes: 123456 },
      observedGeneration: 7,
      pods: 1,
    },
    { protocol: 'v1', node: 'pi-kitchen', state: 'offline', reason: 'ConnectionLost' },
  ],
  podStatus: [
    {
      protocol: 'v1',
      node: 'pi-kitchen',
      name: 'hello-5d8f6c7b9a-x2k4q',
      uid: '0b6e7c1e',
      observedGeneration: 7,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: time }],
        containerStatuses: [
          {
            name: 'web',
            ready: true,
            started: true,
            restartCount: 2,
            image: 'baton-test/busybox:1',
            imageID: 'sha256:abc',
            containerID: 'docker://3f1c',
            state: { running: { startedAt: time } },
            lastState: { terminated: { exitCode: 137, reason: 'Error', message: 'killed', signal: 9, startedAt: time, finishedAt: time } },
          },
        ],
        reason: 'Started',
        message: 'all good',
        hostIP: '192.168.1.20',
        podIP: '172.17.0.3',
        startTime: time,
      },
    },
  ],
  nodeEvent: [
    { protocol: 'v1', node: 'pi-kitchen', time, type: 'Normal', reason: 'Started', message: 'Started container web', pod: 'hello', container: 'web' },
  ],
  coordinatorStatus: [{ protocol: 'v1', state: 'online', version: '0.1.0', startedAt: time }],
  request: [
    { protocol: 'v1', id: '1', replyTo: 'baton/v1/clients/me/replies', op: 'apply', objects: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: fullPodSpec }] },
    { protocol: 'v1', id: '2', replyTo: 'baton/v1/clients/me/replies', op: 'delete', kind: 'Deployment', name: 'hello' },
    { protocol: 'v1', id: '4', replyTo: 'r', op: 'list', kind: 'events', name: 'x', involvedObject: { kind: 'Pod', name: 'hello', uid: 'u' } },
    { protocol: 'v1', id: '5', replyTo: 'r', op: 'cordon', node: 'pi-kitchen', unschedulable: true },
    { protocol: 'v1', id: '6', replyTo: 'r', op: 'drain', node: 'pi-kitchen', force: false },
    { protocol: 'v1', id: '7', replyTo: 'r', op: 'scale', kind: 'Deployment', name: 'hello', replicas: 5 },
    { protocol: 'v1', id: '8', replyTo: 'r', op: 'rollout', action: 'undo', kind: 'Deployment', name: 'hello', toRevision: 2 },
  ],
  reply: [
    { protocol: 'v1', id: '1', ok: true, result: { results: [{ kind: 'Pod', name: 'web', action: 'created' }] } },
    { protocol: 'v1', id: '2', ok: false, error: { code: 'Invalid', message: '1 of 1 object(s) invalid', details: ['Pod "web": spec: required'] } },
  ],
};
