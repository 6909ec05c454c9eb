import { describe, expect, it } from 'vitest';
import { deploymentManifestSchema } from './manifest.js';
import { parseManifests } from './parse-manifests.js';
import { problemsOf } from './testing/manifest-problems.js';

/** The Deployment-only fields: strategy, minReadySeconds, revisionHistoryLimit, progressDeadlineSeconds. */

function deploymentYaml(specLines: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: app, image: "x:1" }]
${specLines}`;
}

function specOf(specLines: string) {
  const [m] = parseManifests(deploymentYaml(specLines), 'app.yaml');
  if (m?.kind !== 'Deployment') throw new Error('expected a Deployment');
  return m.spec;
}

const at = (path: string, message: string) => `document 1 (Deployment "web"): spec.${path}: ${message}`;

describe('Deployment spec defaults and good values', () => {
  it('defaults as Kubernetes apps/v1 does', () => {
    const spec = specOf('');
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(spec.minReadySeconds).toBe(0);
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.progressDeadlineSeconds).toBe(600);
  });

  it.each<[string, string, unknown]>([
    ['type alone', '  strategy: { type: RollingUpdate }\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }],
    ['an empty strategy', '  strategy: {}\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }],
    ['maxSurge only', '  strategy: { rollingUpdate: { maxSurge: 0 } }\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' } }],
    ['maxUnavailable only', '  strategy: { rollingUpdate: { maxUnavailable: 0 } }\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }],
    ['both as numbers', '  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } }\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } }],
    ['a surge over 100%', '  strategy: { rollingUpdate: { maxSurge: "200%", maxUnavailable: "100%" } }\n', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '200%', maxUnavailable: '100%' } }],
    ['Recreate', '  strategy: { type: Recreate }\n', { type: 'Recreate' }],
  ])('strategy: %s', (_, lines, strategy) => {
    expect(specOf(lines).strategy).toEqual(strategy);
  });

  it('takes revisionHistoryLimit 0, progressDeadlineSeconds and an explicit minReadySeconds 0', () => {
    const spec = specOf('  revisionHistoryLimit: 0\n  progressDeadlineSeconds: 30\n  minReadySeconds: 0\n');
    expect([spec.revisionHistoryLimit, spec.progressDeadlineSeconds, spec.minReadySeconds]).toEqual([0, 30, 0]);
  });

  it('parses its own output to the same value (the store re-reads what it wrote)', () => {
    for (const lines of ['', '  strategy: { type: Recreate }\n', '  strategy: { rollingUpdate: { maxSurge: 1 } }\n']) {
      const [m] = parseManifests(deploymentYaml(lines), 'app.yaml');
      expect(deploymentManifestSchema.parse(JSON.parse(JSON.stringify(m)))).toEqual(m);
    }
  });
});

describe('bad Deployment specs: each problem with its path', () => {
  it.each<[string, string, string[]]>([
    ['both bounds 0', '  strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }\n', [at('strategy.rollingUpdate.maxUnavailable', 'may not be 0 when `maxSurge` is 0')]],
    ['both bounds 0 as percentages', '  strategy: { rollingUpdate: { maxSurge: "0%", maxUnavailable: "0%" } }\n', [at('strategy.rollingUpdate.maxUnavailable', 'may not be 0 when `maxSurge` is 0')]],
    ['0 and 0%', '  strategy: { rollingUpdate: { maxSurge: "0%", maxUnavailable: 0 } }\n', [at('strategy.rollingUpdate.maxUnavailable', 'may not be 0 when `maxSurge` is 0')]],
    ['unavailable over 100%', '  strategy: { rollingUpdate: { maxUnavailable: "110%" } }\n', [at('strategy.rollingUpdate.maxUnavailable', 'must not be greater than 100%')]],
    ['a negative surge', '  strategy: { rollingUpdate: { maxSurge: -1 } }\n', [at('strategy.rollingUpdate.maxSurge', 'must be 0 or more')]],
    ['a fractional bound', '  strategy: { rollingUpdate: { maxUnavailable: 1.5 } }\n', [at('strategy.rollingUpdate.maxUnavailable', 'must be an integer or a percentage such as "25%"')]],
    ['a percent without %', '  strategy: { rollingUpdate: { maxSurge: "25" } }\n', [at('strategy.rollingUpdate.maxSurge', 'must be an integer or a percentage such as "25%"')]],
    ['a word', '  strategy: { rollingUpdate: { maxSurge: 20Percent } }\n', [at('strategy.rollingUpdate.maxSurge', 'must be an integer or a percentage such as "25%"')]],
    ['a boolean', '  strategy: { rollingUpdate: { maxSurge: true } }\n', [at('strategy.rollingUpdate.maxSurge', 'must be an integer or a percentage such as "25%"')]],
    ['rollingUpdate with Recreate', '  strategy: { type: Recreate, rollingUpdate: { maxSurge: 1 } }\n', [at('strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")]],
    ['an unknown type', '  strategy: { type: BlueGreen }\n', [at('strategy.type', 'unsupported value "BlueGreen": must be one of "RollingUpdate", "Recreate"')]],
    ['an unknown strategy field', '  strategy: { rollingUpdate: { maxSurge: 1, partition: 2 } }\n', [at('strategy.rollingUpdate.partition', 'unknown field (not supported by Baton)')]],
    [
      'minReadySeconds above 0',
      '  minReadySeconds: 10\n',
      [at('minReadySeconds', "unsupported value 10: Baton supports only 0 (a pod is available as soon as it is Ready, because readiness times come from each node's own clock)")],
    ],
    ['a negative revisionHistoryLimit', '  revisionHistoryLimit: -1\n', [at('revisionHistoryLimit', 'must be 0 or more')]],
    ['a progress deadline of 0', '  progressDeadlineSeconds: 0\n', [at('progressDeadlineSeconds', 'must be greater than `minReadySeconds`')]],
    ['a negative progress deadline', '  progressDeadlineSeconds: -5\n', [at('progressDeadlineSeconds', 'must be 0 or more')]],
    ['paused', '  paused: true\n', [at('paused', 'unknown field (not supported by Baton)')]],
  ])('%s', (_, lines, problems) => {
    expect(problemsOf(deploymentYaml(lines))).toEqual(problems);
  });
});
