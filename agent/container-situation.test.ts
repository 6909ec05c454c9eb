import { describe, expect, it } from 'vitest';
import { readLabels, specHash, type PodContainer } from './container-labels.js';
import { situate } from './container-situation.js';
import { KUBELET_RESTART_BACKOFF } from './restart-policy.js';
import { containerOf, instance, pod } from './testing/fixtures.js';

function read(...actual: ReturnType<typeof instance>[]): PodContainer[] {
  return actual.map(readLabels).filter((c): c is PodContainer => c !== undefined);
}

describe('situate', () => {
  const web = pod('web');
  const spec = containerOf(web);

  it('counts the instance with the highest restart count of the desired spec; the rest are stale, newest first', () => {
    const s = situate(web, spec, read(instance(web, 'main', { restartCount: 1 }), instance(web, 'main', { restartCount: 3 }), instance(web, 'main', { restartCount: 2 })), undefined, KUBELET_RESTART_BACKOFF);
    expect(s.hash).toBe(specHash(spec, web.spec));
    expect(s.current?.restartCount).toBe(3);
    expect(s.stale.map((c) => c.restartCount)).toEqual([2, 1]);
    expect(s.nextCount).toBe(4);
  });

  it('counts none of another spec, and numbers the next instance past them', () => {
    const other = pod('web', { containers: [{ name: 'main', image: 'x:2' }] }, web.uid);
    const s = situate(other, containerOf(other), read(instance(web, 'main', { restartCount: 2 })), undefined, KUBELET_RESTART_BACKOFF);
    expect(s.current).toBeUndefined();
    expect(s.previous?.restartCount).toBe(2);
    expect(s.nextCount).toBe(3);
  });

  it('keeps a finished Never container current whatever became of its sandbox', () => {
    const job = pod('job', { restartPolicy: 'Never' });
    const s = situate(job, containerOf(job), read(instance(job, 'main', { state: 'exited', exitCode: 1, sandbox: { id: 'gone' } })), null, KUBELET_RESTART_BACKOFF);
    expect(s.current?.actual.exitCode).toBe(1);
    expect(s.restart).toMatchObject({ restart: false });
  });
});
