import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { daemonSetManifestSchema } from './manifest.js';
import { problemsOf as problemsOfText } from './testing/manifest-problems.js';

const daemonSet = (updateStrategy?: unknown) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    ...(updateStrategy !== undefined ? { updateStrategy } : {}),
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'app', image: 'busybox:1' }] } },
  },
});

/** The problems a DaemonSet with this updateStrategy has, without the document prefix. */
const problemsOf = (updateStrategy: unknown): string[] =>
  problemsOfText(stringify(daemonSet(updateStrategy))).map((p) => p.replace(/^document 1 \(DaemonSet "agent"\): /, ''));

describe('a DaemonSet updateStrategy', () => {
  it('defaults to a rolling update of one node at a time', () => {
    expect(daemonSetManifestSchema.parse(daemonSet()).spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect(daemonSetManifestSchema.parse(daemonSet({ type: 'RollingUpdate' })).spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  });

  it('takes maxUnavailable as a count or a percentage, and OnDelete', () => {
    expect(daemonSetManifestSchema.parse(daemonSet({ rollingUpdate: { maxUnavailable: '50%' } })).spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } });
    expect(daemonSetManifestSchema.parse(daemonSet({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3, maxSurge: 0 } })).spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } });
    expect(daemonSetManifestSchema.parse(daemonSet({ type: 'OnDelete' })).spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('refuses what Kubernetes refuses, and a surge, naming the path', () => {
    expect(problemsOf({ rollingUpdate: { maxUnavailable: 0 } })).toEqual(['spec.updateStrategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0']);
    expect(problemsOf({ rollingUpdate: { maxUnavailable: '120%' } })).toEqual(['spec.updateStrategy.rollingUpdate.maxUnavailable: must not be greater than 100%']);
    expect(problemsOf({ rollingUpdate: { maxSurge: 1 } })).toEqual(['spec.updateStrategy.rollingUpdate.maxSurge: only 0 is supported: the old pod stops before the new one starts']);
    expect(problemsOf({ type: 'OnDelete', rollingUpdate: {} })).toEqual(["spec.updateStrategy.rollingUpdate: may not be specified when strategy `type` is 'OnDelete'"]);
    expect(problemsOf({ type: 'Surge' })).toHaveLength(1);
  });
});
