import { describe, expect, it } from 'vitest';
import { sleepDaemonSet } from '../support/control-plane-manifests.js';
import { ownedBy, useFleet, type PodItem } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * A DaemonSet following the fleet, end to end: a node whose agent starts later gets its
 * pod; a node whose agent stops keeps it (a Pi that reboots comes back to the same
 * container); a node removed from the fleet (its retained status cleared, as a maker
 * does with `mosquitto_pub -r -n`) loses it.
 */

describe('a DaemonSet as nodes join and leave', () => {
  const fleet = useFleet({ nodes: 2 });

  it('gets a pod on a node that joins, keeps it while the node is down, and drops it when the node is removed', async () => {
    const f = fleet();
    expect(await f.apply(sleepDaemonSet('logger'))).toBe('daemonset.apps/logger created\n');
    const runningOn = async (count: number): Promise<PodItem[] | false> => {
      const pods = ownedBy(await f.pods(), 'DaemonSet', 'logger');
      return pods.length === count && pods.every((p) => p.status?.phase === 'Running') && pods;
    };
    const before = await waitFor('a logger pod Running on each of the 2 nodes', () => runningOn(2), { timeoutMs: 30_000 });
    expect(before.map((p) => p.spec.nodeName).sort()).toEqual([...f.nodes].sort());
    const containersBefore = await f.containers('logger-');
    expect(containersBefore).toHaveLength(2);

    const late = f.nodeName(2);
    await f.startAgent(late);
    const after = await waitFor(`a third logger pod Running, on ${late}`, () => runningOn(3), { timeoutMs: 30_000 });
    const joined = after.find((p) => p.spec.nodeName === late);
    expect(joined).toBeDefined();
    // The pods already there are the same pods, in the same containers.
    expect(after.filter((p) => p !== joined).map((p) => p.metadata.name).sort()).toEqual(before.map((p) => p.metadata.name).sort());
    const containersAfter = await f.containers('logger-');
    expect(containersAfter.filter((c) => c.node !== late).map((c) => c.id).sort()).toEqual(containersBefore.map((c) => c.id).sort());
    expect(containersAfter.filter((c) => c.node === late).map((c) => `${c.pod} ${c.running}`)).toEqual([`${joined?.metadata.name} true`]);
    expect((await f.baton('get', 'daemonsets')).stdout).toMatch(/^logger\s+3\s+3\s+3\s/m);

    // The agent stops: the node is NotReady, its pod stays bound there, shown Unknown.
    await f.stopAgent(late);
    await f.waitForNodes([late], 'NotReady');
    const table = await f.baton('get', 'pods');
    expect(table.stdout).toMatch(new RegExp(`^${joined?.metadata.name}\\s+0/1\\s+Unknown\\s`, 'm'));
    expect(f.client.desired(late)?.pods.map((p) => p.name)).toEqual([joined?.metadata.name]);

    // The node is removed from the fleet: its pod goes, the others stay.
    await f.client.removeNode(late);
    await waitFor(`the logger pod of ${late} gone from \`baton get pods\``, async () => (await f.pods()).every((p) => p.spec.nodeName !== late));
    const left = ownedBy(await f.pods(), 'DaemonSet', 'logger');
    expect(left.map((p) => p.metadata.name).sort()).toEqual(before.map((p) => p.metadata.name).sort());
    await waitFor(`the desired state of ${late} empty`, () => f.client.desired(late)?.pods.length === 0);
  });
});
