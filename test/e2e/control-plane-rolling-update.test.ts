import { describe, expect, it } from 'vitest';
import { serveDeployment } from '../support/control-plane-manifests.js';
import { isReady, ownedBy, useFleet } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * A rolling update end to end, watched the way a maker would: every pod status the
 * agents publish on the broker is sampled, and at no sample are fewer pods of the
 * Deployment Ready than `replicas - maxUnavailable`. The new pods take two seconds to
 * become Ready, so a rollout that did not wait for readiness would be caught.
 */

interface Report {
  name: string;
  status: { conditions: { type: string; status: string }[] };
}

const REPLICAS = 4;
// Kubernetes' defaults for 4 replicas: maxSurge 25% rounds up to 1, maxUnavailable 25% down to 1.
const MAX_UNAVAILABLE = 1;

describe('a rolling update over three nodes', () => {
  const fleet = useFleet({ nodes: 3 });

  it('replaces every pod with the new spec, never more than maxUnavailable of them unavailable', async () => {
    const f = fleet();
    const v1 = serveDeployment('web', { replicas: REPLICAS, env: { VERSION: 'v1' }, readyAfterSeconds: 2 });
    await f.apply(v1);
    const old = await waitFor(`${REPLICAS} web pods Ready`, async () => {
      const web = ownedBy(await f.pods(), 'Deployment', 'web');
      return web.length === REPLICAS && web.every(isReady) && web;
    }, { timeoutMs: 30_000 });

    // The Ready web pods among the latest retained statuses, at every message.
    const statuses = await f.record('baton/v1/nodes/+/pods/+');
    const readyNow = (): string[] =>
      [...statuses.latest.values()]
        .map((payload) => JSON.parse(payload) as Report)
        .filter((r) => r.name.startsWith('web-') && r.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((r) => r.name);
    await waitFor('the retained statuses of the Ready pods', () => readyNow().length === REPLICAS);
    const samples: { ready: string[]; topic: string; payload: string }[] = [];
    statuses.onMessage((m) => samples.push({ ready: readyNow(), topic: m.topic, payload: m.payload }));

    expect(await f.apply(serveDeployment('web', { replicas: REPLICAS, env: { VERSION: 'v2' }, readyAfterSeconds: 2 }))).toBe('deployment.apps/web configured\n');
    const status = await f.baton('rollout', 'status', 'deployment/web', '--timeout', '60s');
    expect(status, 'baton rollout status').toMatchObject({ code: 0, stdout: expect.stringMatching(/deployment "web" successfully rolled out\n$/) });

    const item = await f.deployment('web');
    expect(item.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(item.status).toMatchObject({ replicas: REPLICAS, updatedReplicas: REPLICAS, readyReplicas: REPLICAS, availableReplicas: REPLICAS, observedGeneration: item.metadata.generation });
    expect(item.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`).sort()).toEqual(['Available=True MinimumReplicasAvailable', 'Progressing=True NewReplicaSetAvailable']);

    const oldNames = new Set(old.map((p) => p.metadata.name));
    const rolled = await waitFor(`${REPLICAS} new web pods Ready, the old ones gone`, async () => {
      const web = ownedBy(await f.pods(), 'Deployment', 'web');
      return web.length === REPLICAS && web.every((p) => isReady(p) && !oldNames.has(p.metadata.name)) && web;
    });
    const containers = await waitFor(`exactly ${REPLICAS} web containers, all of v2`, async () => {
      const all = await f.containers('web-');
      return all.length === REPLICAS && all.every((c) => c.running && c.env.includes('VERSION=v2')) && all;
    });
    const rolledNames = rolled.map((p) => p.metadata.name).sort();
    expect(containers.map((c) => c.pod).sort()).toEqual(rolledNames);
    // The sampler saw the whole rollout: every old status cleared, the new pods Ready.
    await waitFor('the broker to show the new pods only, all Ready', () => JSON.stringify(readyNow().sort()) === JSON.stringify(rolledNames) && [...statuses.latest.keys()].filter((t) => t.includes('/pods/web-')).length === REPLICAS);
    await statuses.stop();
    const lowest = samples.reduce((min, s) => (s.ready.length < min.ready.length ? s : min), samples[0] ?? { ready: [], topic: '', payload: '' });
    expect(lowest.ready.length, `fewest Ready at ${lowest.topic}: ${lowest.payload}`).toBeGreaterThanOrEqual(REPLICAS - MAX_UNAVAILABLE);
  });
});
