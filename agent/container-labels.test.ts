import { describe, expect, it } from 'vitest';
import { containerName, LABELS, readLabels, specHash } from './container-labels.js';
import { containerOf, instance, pod } from './testing/fixtures.js';

describe('readLabels', () => {
  const web = pod('web');

  it('reads what the agent wrote', () => {
    const c = readLabels(instance(web, 'main', { restartCount: 4 }));
    expect(c).toMatchObject({ node: 'pi-1', pod: 'web', podUid: 'uid-web', container: 'main', restartCount: 4, gracePeriodSeconds: 30 });
    expect(c?.lastState).toBeUndefined();
  });

  it('is undefined for a container missing any identifying label', () => {
    for (const key of [LABELS.node, LABELS.pod, LABELS.podUid, LABELS.container, LABELS.specHash]) {
      const c = instance(web);
      const labels = { ...c.labels };
      delete labels[key];
      expect(readLabels({ ...c, labels })).toBeUndefined();
    }
  });

  it('survives labels someone edited into nonsense', () => {
    const c = instance(web);
    const read = readLabels({ ...c, labels: { ...c.labels, [LABELS.restartCount]: 'many', [LABELS.gracePeriod]: '-3', [LABELS.lastState]: '{oops' } });
    expect(read).toMatchObject({ restartCount: 0, gracePeriodSeconds: 30 });
    expect(read?.lastState).toBeUndefined();
  });
});

describe('specHash', () => {
  it('does not depend on key order, and changes with the spec', () => {
    const spec = containerOf(pod('web'));
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash({ ...spec, args: ['x'] })).not.toBe(specHash(spec));
  });
});

describe('containerName', () => {
  it('is deterministic and unique per pod uid, spec and restart', () => {
    const a = containerName('pi-1', 'web', 'main', 'uid-1', 'h1', 0);
    expect(a).toBe(containerName('pi-1', 'web', 'main', 'uid-1', 'h1', 0));
    expect(a).toMatch(/^baton_pi-1_web_main_[0-9a-f]{10}_0$/);
    expect(new Set([a, containerName('pi-1', 'web', 'main', 'uid-2', 'h1', 0), containerName('pi-1', 'web', 'main', 'uid-1', 'h2', 0), containerName('pi-1', 'web', 'main', 'uid-1', 'h1', 1)]).size).toBe(4);
  });
});
