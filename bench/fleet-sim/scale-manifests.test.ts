import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { scaleDeployments, singlePod } from './scale-manifests.js';

describe('scale manifests', () => {
  it('makes `count` Deployments of `replicas` pods, each with its own name and selector', () => {
    const docs = parseAllDocuments(scaleDeployments({ prefix: 'scale-ab-', count: 3, replicas: 7, image: 'baton-test/busybox:1' })).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { replicas: number; selector: { matchLabels: { app: string } }; template: { metadata: { labels: { app: string } } } } });
    expect(docs.map((d) => d.metadata.name)).toEqual(['scale-ab-0', 'scale-ab-1', 'scale-ab-2']);
    for (const d of docs) {
      expect(d.kind).toBe('Deployment');
      expect(d.spec.replicas).toBe(7);
      expect(d.spec.selector.matchLabels.app).toBe(d.metadata.name);
      expect(d.spec.template.metadata.labels.app).toBe(d.metadata.name);
    }
  });

  it('makes one Pod with the name given', () => {
    const doc = parseAllDocuments(singlePod({ name: 'lat-3', image: 'img:1' }))[0]?.toJS() as { kind: string; metadata: { name: string } };
    expect(doc).toMatchObject({ kind: 'Pod', metadata: { name: 'lat-3' } });
  });
});
