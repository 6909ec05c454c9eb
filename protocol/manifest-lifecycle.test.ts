import { describe, expect, it } from 'vitest';
import { parseManifests } from './parse-manifests.js';
import { podYaml as pod, problemsOf } from './testing/manifest-problems.js';

/** The pod-lifecycle fields of the manifest subset: probes, volumes, env fieldRefs, hostNetwork, privileged. */

describe('good lifecycle manifests', () => {
  it('fills in the Kubernetes probe defaults', () => {
    const [m] = parseManifests(
      pod('  containers:\n    - name: app\n      image: x:1\n      ports: [{ name: http, containerPort: 8080 }]\n      livenessProbe:\n        httpGet: { port: http }\n      readinessProbe:\n        tcpSocket: { port: 8080 }\n        successThreshold: 2\n      startupProbe:\n        exec: { command: [cat, /ready] }\n        failureThreshold: 30\n'),
      'pod.yaml',
    );
    const c = m?.kind === 'Pod' ? m.spec.containers[0] : undefined;
    expect(c?.livenessProbe).toEqual({ httpGet: { port: 'http', path: '/', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(c?.readinessProbe).toMatchObject({ tcpSocket: { port: 8080 }, successThreshold: 2 });
    expect(c?.startupProbe).toMatchObject({ exec: { command: ['cat', '/ready'] }, failureThreshold: 30 });
  });

  it('takes volumes, mounts, env fieldRefs, hostNetwork and privileged', () => {
    const [m] = parseManifests(
      pod(
        '  hostNetwork: true\n  containers:\n    - name: app\n      image: x:1\n      securityContext: { privileged: true }\n      env:\n        - { name: NODE, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }\n        - { name: PLAIN, value: "1" }\n        - { name: EMPTY }\n      volumeMounts:\n        - { name: data, mountPath: /data }\n        - { name: gpio, mountPath: /dev/gpiomem, readOnly: true }\n  volumes:\n    - { name: data, emptyDir: { medium: Memory, sizeLimit: 64Mi } }\n    - { name: gpio, hostPath: { path: /dev/gpiomem, type: CharDevice } }\n',
      ),
      'pod.yaml',
    );
    if (m?.kind !== 'Pod') throw new Error('expected a Pod');
    expect(m.spec.hostNetwork).toBe(true);
    const c = m.spec.containers[0];
    expect(c?.env).toEqual([{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, { name: 'PLAIN', value: '1' }, { name: 'EMPTY', value: '' }]);
    expect(c?.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: false }, { name: 'gpio', mountPath: '/dev/gpiomem', readOnly: true }]);
    expect(m.spec.volumes).toEqual([{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }, { name: 'gpio', hostPath: { path: '/dev/gpiomem', type: 'CharDevice' } }]);
  });
});

describe('bad lifecycle manifests: each problem with its path', () => {
  const container = '  containers:\n    - name: app\n      image: x:1\n';
  it.each<[string, string, string[]]>([
    ['a probe with two handlers', `${container}      livenessProbe: { exec: { command: [ok] }, tcpSocket: { port: 80 } }\n`, ['document 1 (Pod "web"): spec.containers[0].livenessProbe: must specify exactly one of `exec`, `httpGet`, `tcpSocket`']],
    ['a probe with none', `${container}      readinessProbe: { periodSeconds: 5 }\n`, ['document 1 (Pod "web"): spec.containers[0].readinessProbe: must specify exactly one of `exec`, `httpGet`, `tcpSocket`']],
    ['a liveness successThreshold other than 1', `${container}      livenessProbe: { exec: { command: [ok] }, successThreshold: 2 }\n`, ['document 1 (Pod "web"): spec.containers[0].livenessProbe.successThreshold: must be 1']],
    ['a probe on a port name the container does not have', `${container}      livenessProbe: { httpGet: { port: web } }\n`, ['document 1 (Pod "web"): spec.containers[0].livenessProbe.httpGet.port: no container port named "web"']],
    ['a zero period', `${container}      livenessProbe: { exec: { command: [ok] }, periodSeconds: 0 }\n`, ['document 1 (Pod "web"): spec.containers[0].livenessProbe.periodSeconds: must be 1 or more']],
    ['an unsupported probe field', `${container}      livenessProbe: { grpc: { port: 1 } }\n`, [
      'document 1 (Pod "web"): spec.containers[0].livenessProbe.grpc: unknown field (not supported by Baton)',
      'document 1 (Pod "web"): spec.containers[0].livenessProbe: must specify exactly one of `exec`, `httpGet`, `tcpSocket`',
    ]],
    ['a mount of a volume that does not exist', `${container}      volumeMounts: [{ name: data, mountPath: /data }]\n`, ['document 1 (Pod "web"): spec.containers[0].volumeMounts[0].name: no volume named "data" in `volumes`']],
    ['a relative mountPath', `${container}      volumeMounts: [{ name: data, mountPath: data }]\n  volumes: [{ name: data, emptyDir: {} }]\n`, ['document 1 (Pod "web"): spec.containers[0].volumeMounts[0].mountPath: must be an absolute path']],
    ['a volume with two sources', `${container}  volumes: [{ name: data, emptyDir: {}, hostPath: { path: /x } }]\n`, ['document 1 (Pod "web"): spec.volumes[0]: must specify exactly one of `emptyDir`, `hostPath`']],
    ['a sizeLimit on an emptyDir on disk', `${container}  volumes: [{ name: data, emptyDir: { sizeLimit: 1Gi } }]\n`, ['document 1 (Pod "web"): spec.volumes[0].emptyDir.sizeLimit: only supported with `medium: Memory` (Baton cannot limit an emptyDir on disk)']],
    ['an unsupported volume source', `${container}  volumes: [{ name: data, nfs: { server: x } }]\n`, [
      'document 1 (Pod "web"): spec.volumes[0].nfs: unknown field (not supported by Baton)',
      'document 1 (Pod "web"): spec.volumes[0]: must specify exactly one of `emptyDir`, `hostPath`',
    ]],
    ['a bad hostPath type', `${container}  volumes: [{ name: d, hostPath: { path: /x, type: Folder } }]\n`, [
      'document 1 (Pod "web"): spec.volumes[0].hostPath.type: unsupported value "Folder": must be one of "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"',
    ]],
    ['an unsupported fieldRef', `${container}      env: [{ name: A, valueFrom: { fieldRef: { fieldPath: metadata.labels } } }]\n`, [
      'document 1 (Pod "web"): spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: unsupported value "metadata.labels": must be one of "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "status.hostIP", "status.podIP"',
    ]],
    ['value and valueFrom together', `${container}      env: [{ name: A, value: x, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }]\n`, ['document 1 (Pod "web"): spec.containers[0].env[0].valueFrom: may not be specified when `value` is not empty']],
    ['a hostPort unlike its containerPort with hostNetwork', `  hostNetwork: true\n${container}      ports: [{ containerPort: 80, hostPort: 8080 }]\n`, ['document 1 (Pod "web"): spec.containers[0].ports[0].hostPort: must match `containerPort` when `hostNetwork` is true']],
  ])('%s', (_what, text, expected) => {
    expect(problemsOf(pod(text))).toEqual(expected);
  });
});
