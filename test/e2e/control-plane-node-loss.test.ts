import { describe, expect, it } from 'vitest';
import { serveDeployment } from '../support/control-plane-manifests.js';
import { isReady, ownedBy, useFleet, type Fleet, type PodItem } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * A node lost and found, end to end: an agent SIGKILLed (its container left running, as
 * when a Pi's network drops) is NotReady within 2 s through its last will; after the
 * coordinator's --eviction-timeout its Deployment pod is replaced on another node; when
 * the agent comes back on the same state, exactly one copy of each replica is left, in
 * Docker as in `baton get pods`: the Ready replacement stays, the original is stopped,
 * and nothing healthy elsewhere was recreated.
 */

const REPLICAS = 3;
const EVICTION_MS = 3_000;

async function webPods(f: Fleet): Promise<PodItem[]> {
  return ownedBy(await f.pods(), 'Deployment', 'web');
}

describe('an agent killed and restarted', () => {
  const fleet = useFleet({ nodes: 3, coordinatorArgs: ['--eviction-timeout', `${EVICTION_MS / 1000}s`, '--node-grace', '5s'] });

  it('is NotReady within 2 s, its pod replaced after the eviction timeout, and no duplicate left once it is back', async () => {
    const f = fleet();
    await f.apply(serveDeployment('web', { replicas: REPLICAS }));
    const original = await waitFor(`${REPLICAS} web pods Ready, one per node`, async () => {
      const web = await webPods(f);
      return web.length === REPLICAS && web.every(isReady) && new Set(web.map((p) => p.spec.nodeName)).size === REPLICAS && web;
    }, { timeoutMs: 30_000 });
    const containersBefore = await f.containers('web-');
    const victim = f.nodeName(2);
    const lost = original.find((p) => p.spec.nodeName === victim)?.metadata.name ?? '';
    const survivors = original.filter((p) => p.metadata.name !== lost).map((p) => p.metadata.name).sort();

    const killedAt = Date.now();
    await f.stopAgent(victim, 'SIGKILL');
    await f.waitForNodes([victim], 'NotReady', 2_000);
    const notReadyAfter = Date.now() - killedAt;
    expect(notReadyAfter).toBeLessThan(2_000);
    expect((await f.baton('get', 'pods')).stdout).toMatch(new RegExp(`^${lost}\\s+0/1\\s+Unknown\\s`, 'm'));

    const replaced = await waitFor('a replacement web pod Ready on another node', async () => {
      const web = await webPods(f);
      const fresh = web.filter((p) => !original.some((o) => o.metadata.name === p.metadata.name));
      return fresh.length === 1 && fresh.every(isReady) && fresh[0];
    }, { timeoutMs: 20_000 });
    expect(replaced.spec.nodeName).not.toBe(victim);
    const createdAt = Date.parse(replaced.metadata.creationTimestamp);
    // Not before the eviction timeout, counted from when the coordinator saw the node go (after the kill).
    expect(createdAt - killedAt).toBeGreaterThanOrEqual(EVICTION_MS - 100);
    // The replacement is Ready: the original is no longer needed, so it is dropped.
    await waitFor('the original gone from `baton get pods`', async () => !(await webPods(f)).some((p) => p.metadata.name === lost));

    await f.startAgent(victim);
    await f.waitForNodes([victim], 'Ready');
    const expected = [...survivors, replaced.metadata.name].sort();
    await waitFor(`exactly ${REPLICAS} web containers running, none of ${lost}`, async () => {
      const running = (await f.containers('web-')).filter((c) => c.running);
      return JSON.stringify(running.map((c) => c.pod).sort()) === JSON.stringify(expected);
    }, { timeoutMs: 20_000 });
    const web = await webPods(f);
    expect(web.map((p) => p.metadata.name).sort()).toEqual(expected);
    expect(web.every(isReady)).toBe(true);
    const after = await f.containers('web-');
    expect(after.filter((c) => c.pod === lost)).toEqual([]);
    // The two pods on the other nodes were never touched.
    const untouched = (list: typeof after): string[] => list.filter((c) => survivors.includes(c.pod)).map((c) => `${c.pod} ${c.id} ${c.startedAt}`).sort();
    expect(untouched(after)).toEqual(untouched(containersBefore));
  });
});
