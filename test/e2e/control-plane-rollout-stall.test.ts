import { describe, expect, it } from 'vitest';
import { serveDeployment } from '../support/control-plane-manifests.js';
import { isReady, ownedBy, useFleet, type Fleet, type PodItem } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * A rollout to an image that is not there stalls instead of taking the app down: the
 * new pod never becomes Ready (imagePullPolicy Never, so no registry is asked), the old
 * pods keep serving in the same containers, `baton rollout status` gives up, and
 * `baton rollout undo` goes back to the old pods without touching them.
 */

const REPLICAS = 3;
const MISSING = 'baton-test/missing:0';

async function webPods(f: Fleet): Promise<PodItem[]> {
  return ownedBy(await f.pods(), 'Deployment', 'web');
}

/** The web containers, as `id started-at running`, by pod. */
async function webContainers(f: Fleet): Promise<string[]> {
  return (await f.containers('web-')).map((c) => `${c.pod} ${c.id} ${c.startedAt} running=${c.running}`).sort();
}

describe('a rollout to a missing image', () => {
  const fleet = useFleet({ nodes: 3 });

  it('stalls with the old pods still serving, and rollout undo recovers without touching them', async () => {
    const f = fleet();
    await f.apply(serveDeployment('web', { replicas: REPLICAS }));
    const old = await waitFor(`${REPLICAS} web pods Ready`, async () => {
      const web = await webPods(f);
      return web.length === REPLICAS && web.every(isReady) && web;
    }, { timeoutMs: 30_000 });
    const oldNames = old.map((p) => p.metadata.name).sort();
    const containersBefore = await webContainers(f);
    expect(containersBefore).toHaveLength(REPLICAS);

    expect(await f.apply(serveDeployment('web', { replicas: REPLICAS, image: MISSING, imagePullPolicy: 'Never' }))).toBe('deployment.apps/web configured\n');
    // 3 replicas: maxSurge 25% rounds up to 1, maxUnavailable 25% down to 0: one new pod, no old one taken away.
    const stalled = await waitFor('one new web pod stuck in ErrImageNeverPull', async () => {
      const table = (await f.baton('get', 'pods')).stdout;
      const fresh = (await webPods(f)).filter((p) => !oldNames.includes(p.metadata.name));
      const name = fresh[0]?.metadata.name;
      return fresh.length === 1 && name !== undefined && new RegExp(`^${name}\\s+0/1\\s+ErrImageNeverPull\\s`, 'm').test(table) && name;
    }, { timeoutMs: 30_000 });

    const status = await f.baton('rollout', 'status', 'deployment/web', '--timeout', '1s');
    expect(status, 'baton rollout status').toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`Waiting for deployment "web" rollout to finish: 1 out of ${REPLICAS} new replicas have been updated...\n`),
      stderr: 'error: timed out waiting for the condition\n',
    });
    // Still the same pods, Ready, in the same containers started at the same times.
    const during = await webPods(f);
    expect(during.filter((p) => oldNames.includes(p.metadata.name)).filter(isReady).map((p) => p.metadata.name).sort()).toEqual(oldNames);
    expect(during.map((p) => p.metadata.name).sort()).toEqual([...oldNames, stalled].sort());
    expect(await webContainers(f)).toEqual(containersBefore);
    expect((await f.baton('get', 'deployments')).stdout).toMatch(new RegExp(`^web\\s+${REPLICAS}/${REPLICAS}\\s+1\\s+${REPLICAS}\\s`, 'm'));
    const item = await f.deployment('web');
    expect(item.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(item.status).toMatchObject({ replicas: REPLICAS + 1, updatedReplicas: 1, readyReplicas: REPLICAS, availableReplicas: REPLICAS });
    expect(item.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`).sort()).toEqual(['Available=True MinimumReplicasAvailable', 'Progressing=True ReplicaSetUpdated']);

    expect(await f.baton('rollout', 'undo', 'deployment/web')).toMatchObject({ code: 0, stdout: 'deployment.apps/web rolled back\n' });
    await waitFor('the stalled pod gone, the old ones left', async () => JSON.stringify((await webPods(f)).map((p) => p.metadata.name).sort()) === JSON.stringify(oldNames));
    expect(await f.baton('rollout', 'status', 'deployment/web', '--timeout', '10s')).toMatchObject({ code: 0, stdout: expect.stringMatching(/deployment "web" successfully rolled out\n$/) });
    expect((await webPods(f)).every(isReady)).toBe(true);
    // Going back to revision 1's template makes it the newest revision, 3, as Kubernetes numbers it.
    expect((await f.deployment('web')).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(await webContainers(f)).toEqual(containersBefore);
  });
});
