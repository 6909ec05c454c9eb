import { describe, expect, it } from 'vitest';
import type { ContainerState } from '../../protocol/messages.js';
import { describeProbe, qosClass, stateLines } from './describe-containers.js';
import type { ContainerView, ProbeView } from './describe-views.js';

const defaults = { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
const attrs = 'delay=0s timeout=1s period=10s #success=1 #failure=3';

describe('describeProbe', () => {
  it.each<[string, ProbeView, string]>([
    ['httpGet on a port number', { ...defaults, httpGet: { path: '/healthz', port: '8080', scheme: 'HTTP' } }, `http-get http://:8080/healthz ${attrs}`],
    ['httpGet on a named port, HTTPS, a host', { ...defaults, httpGet: { path: '/', port: 'web', scheme: 'HTTPS', host: '10.0.0.2' } }, `http-get https://10.0.0.2:web/ ${attrs}`],
    ['httpGet on an IPv6 host', { ...defaults, httpGet: { path: '/', port: '80', scheme: 'HTTP', host: '::1' } }, `http-get http://[::1]:80/ ${attrs}`],
    ['exec', { ...defaults, exec: { command: ['cat', '/tmp/healthy'] } }, `exec [cat /tmp/healthy] ${attrs}`],
    ['tcpSocket', { ...defaults, tcpSocket: { port: '6379' } }, `tcp-socket :6379 ${attrs}`],
    [
      'its own numbers',
      { initialDelaySeconds: 5, timeoutSeconds: 2, periodSeconds: 3, successThreshold: 2, failureThreshold: 30, tcpSocket: { port: '22', host: 'pi' } },
      'tcp-socket pi:22 delay=5s timeout=2s period=3s #success=2 #failure=30',
    ],
    ['no handler', { ...defaults }, `unknown ${attrs}`],
  ])('%s', (_what, probe, expected) => {
    expect(describeProbe(probe)).toBe(expected);
  });
});

describe('stateLines', () => {
  it.each<[string, ContainerState, string[]]>([
    ['running', { running: { startedAt: '2026-11-24T10:05:00Z' } }, ['    State:\tRunning', '      Started:\tTue, 24 Nov 2026 10:05:00 +0000']],
    [
      'waiting with a message',
      { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x:1"' } },
      ['    State:\tWaiting', '      Reason:\tImagePullBackOff', '      Message:\tBack-off pulling image "x:1"'],
    ],
    ['waiting, nothing known', {}, ['    State:\tWaiting']],
    [
      'terminated by a signal',
      { terminated: { exitCode: 137, reason: 'OOMKilled', signal: 9, startedAt: '2026-11-24T10:00:00Z', finishedAt: '2026-11-24T10:01:00Z' } },
      [
        '    State:\tTerminated',
        '      Reason:\tOOMKilled',
        '      Exit Code:\t137',
        '      Signal:\t9',
        '      Started:\tTue, 24 Nov 2026 10:00:00 +0000',
        '      Finished:\tTue, 24 Nov 2026 10:01:00 +0000',
      ],
    ],
  ])('%s', (_what, state, expected) => {
    expect(stateLines('State', state)).toEqual(expected);
  });
});

describe('qosClass', () => {
  const container = (resources: ContainerView['resources']): ContainerView => ({
    name: 'c', image: 'i', ports: [], env: [], resources, volumeMounts: [], livenessProbe: undefined, readinessProbe: undefined, startupProbe: undefined,
  });
  it.each<[string, ContainerView['resources'][], string]>([
    ['nothing asked', [{}, {}], 'BestEffort'],
    ['limits only (requests default to them)', [{ limits: { cpu: '500m', memory: '128Mi' } }], 'Guaranteed'],
    ['equal requests and limits, spelled differently', [{ limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '500m', memory: '134217728' } }], 'Guaranteed'],
    ['a request below its limit', [{ limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '500m' } }], 'Burstable'],
    ['a memory limit only', [{ limits: { memory: '128Mi' } }], 'Burstable'],
    ['one container without anything', [{ limits: { cpu: '1', memory: '1Gi' } }, {}], 'Burstable'],
  ])('%s -> %s', (_what, resources, expected) => {
    expect(qosClass(resources.map(container))).toBe(expected);
  });
});
