import { describe, expect, it } from 'vitest';
import { podSpecSchema } from './manifest.js';
import { parseManifests } from './parse-manifests.js';
import { podYaml, problemsOf } from './testing/manifest-problems.js';

/** The scheduling fields of the manifest subset: tolerations and required node affinity. */

function pod(spec: string): string {
  return podYaml(`  containers:\n    - name: app\n      image: x:1\n${spec}`);
}

describe('good scheduling manifests', () => {
  it('takes tolerations and required node affinity as written', () => {
    const [m] = parseManifests(
      pod(
        '  tolerations:\n    - { key: dedicated, operator: Equal, value: gpu, effect: NoSchedule }\n    - { key: flaky, operator: Exists, effect: NoExecute, tolerationSeconds: 60 }\n    - { operator: Exists }\n    - { key: zone, value: attic }\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n          - matchExpressions:\n              - { key: kubernetes.io/arch, operator: In, values: [arm64, arm] }\n              - { key: camera, operator: Exists }\n          - matchExpressions:\n              - { key: disk, operator: NotIn, values: [sd] }\n              - { key: broken, operator: DoesNotExist }\n',
      ),
      'pod.yaml',
    );
    if (m?.kind !== 'Pod') throw new Error('expected a Pod');
    expect(m.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'flaky', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      { operator: 'Exists' },
      { key: 'zone', value: 'attic' },
    ]);
    expect(m.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64', 'arm'] }, { key: 'camera', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['sd'] }, { key: 'broken', operator: 'DoesNotExist' }] },
    ]);
  });

  it('leaves a spec without them exactly as before (no new keys)', () => {
    const parsed = podSpecSchema.parse({ containers: [{ name: 'app', image: 'x:1' }] });
    expect(Object.keys(parsed).sort()).toEqual(['containers', 'restartPolicy', 'terminationGracePeriodSeconds']);
  });
});

describe('bad scheduling manifests: each problem with its path', () => {
  const affinity = (expression: string) =>
    `  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n          - matchExpressions:\n              - ${expression}\n`;
  const at = (path: string, message: string) => `document 1 (Pod "web"): spec.${path}: ${message}`;
  it.each<[string, string, string[]]>([
    ['Exists with a value', '  tolerations: [{ key: a, operator: Exists, value: b }]\n', [at('tolerations[0].value', 'must be empty when `operator` is "Exists"')]],
    ['an empty key without Exists', '  tolerations: [{ value: b }]\n', [at('tolerations[0].operator', 'must be "Exists" when `key` is empty, which means "match all values and all keys"')]],
    ['tolerationSeconds without NoExecute', '  tolerations: [{ key: a, operator: Exists, effect: NoSchedule, tolerationSeconds: 5 }]\n', [at('tolerations[0].effect', 'must be "NoExecute" when `tolerationSeconds` is set')]],
    ['an unknown operator', '  tolerations: [{ key: a, operator: Gt }]\n', [expect.stringContaining('spec.tolerations[0].operator') as unknown as string]],
    ['an unknown effect', '  tolerations: [{ key: a, effect: NoRun }]\n', [expect.stringContaining('spec.tolerations[0].effect') as unknown as string]],
    ['In without values', affinity('{ key: a, operator: In }'), [at('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'must be specified when `operator` is "In" or "NotIn"')]],
    ['NotIn with no values', affinity('{ key: a, operator: NotIn, values: [] }'), [at('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'must be specified when `operator` is "In" or "NotIn"')]],
    ['Exists with values', affinity('{ key: a, operator: Exists, values: [x] }'), [at('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'may not be specified when `operator` is "Exists" or "DoesNotExist"')]],
    ['Gt', affinity('{ key: a, operator: Gt, values: ["1"] }'), [expect.stringContaining('matchExpressions[0].operator') as unknown as string]],
    ['matchFields', '  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms: [{ matchFields: [] }]\n', [at('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields', 'unknown field (not supported by Baton)')]],
    ['no terms', '  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms: []\n', [at('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', 'must have at least one node selector term')]],
    ['preferred node affinity', '  affinity:\n    nodeAffinity:\n      preferredDuringSchedulingIgnoredDuringExecution: []\n', [at('affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution', 'unknown field (not supported by Baton)')]],
    ['pod anti-affinity', '  affinity:\n    podAntiAffinity: {}\n', [at('affinity.podAntiAffinity', 'unknown field (not supported by Baton)')]],
  ])('%s', (_, spec, problems) => {
    expect(problemsOf(pod(spec))).toEqual(problems);
  });
});
