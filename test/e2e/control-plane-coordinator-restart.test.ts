import { describe, expect, it } from 'vitest';
import { serveDeployment, sleepDaemonSet } from '../support/control-plane-manifests.js';
import { isReady, useFleet, type Fleet } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * The coordinator killed (SIGKILL: no farewell, no chance to save anything) and started
 * again on the same store, with three real agents running a Deployment and a DaemonSet:
 * nothing churns. Same pods, same generations, and not one container restarted.
 */

interface Listed {
  metadata: { name: string; generation?: number };
}

async function generations(f: Fleet, kind: 'deployments' | 'daemonsets'): Promise<string[]> {
  const listed = JSON.parse((await f.baton('get', kind, '-o', 'json')).stdout) as { items: Listed[] };
  return listed.items.map((i) => `${i.metadata.name}@${i.metadata.generation}`).sort();
}

/** Everything that must not change, as a user would read it: pod names, generations, containers. */
async function snapshot(f: Fleet) {
  const containers = await f.containers();
  return {
    pods: (await f.pods()).map((p) => `${p.metadata.name} ${p.metadata.uid} on ${p.spec.nodeName}`).sort(),
    deployments: await generations(f, 'deployments'),
    daemonSets: await generations(f, 'daemonsets'),
    desired: f.nodes.map((n) => `${n}@${f.client.desired(n)?.generation}: ${f.client.desired(n)?.pods.map((p) => p.uid).sort().join(',')}`),
    containers: containers.map((c) => `${c.id} ${c.pod}/${c.container} running=${c.running} started=${c.startedAt} restarts=${c.restartCount}/${c.batonRestartCount}`).sort(),
  };
}

describe('the coordinator restarting', () => {
  const fleet = useFleet({ nodes: 3 });

  it('loses nothing and churns nothing: same pods, same generations, no container restarted', async () => {
    const f = fleet();
    const manifests = `${serveDeployment('web', { replicas: 4 })}---\n${sleepDaemonSet('logger')}`;
    await f.apply(manifests);
    await waitFor('7 pods Running and Ready', async () => {
      const pods = await f.pods();
      return pods.length === 7 && pods.every((p) => p.status?.phase === 'Running' && isReady(p));
    }, { timeoutMs: 30_000 });
    const before = await snapshot(f);
    expect(before.containers).toHaveLength(7);

    // Every desired state published from here on, to see that none changed.
    const desired = await f.record('baton/v1/nodes/+/desired');
    await waitFor('the retained desired states', () => desired.latest.size === 3);
    const retainedCount = desired.messages.length;

    await f.killCoordinator();
    await f.startCoordinator();
    // Back to Ready and Running only once the new coordinator has heard the nodes' reports.
    await waitFor('7 pods Running and Ready after the restart', async () => {
      const pods = await f.pods();
      return pods.length === 7 && pods.every((p) => p.status?.phase === 'Running' && isReady(p));
    }, { timeoutMs: 30_000 });
    // The same manifests again: nothing to change, and the coordinator has worked through
    // everything it heard before this request.
    expect(await f.apply(manifests)).toBe('deployment.apps/web unchanged\ndaemonset.apps/logger unchanged\n');

    const after = await snapshot(f);
    expect(after).toEqual(before);
    // A republished desired state is fine; a different one is churn.
    const republished = desired.messages.slice(retainedCount).map((m) => {
      const parsed = JSON.parse(m.payload) as { node: string; generation: number; pods: { uid: string }[] };
      return `${parsed.node}@${parsed.generation}: ${parsed.pods.map((p) => p.uid).sort().join(',')}`;
    });
    for (const line of republished) expect(before.desired).toContain(line);
    await desired.stop();
  });
});
