import { describe, expect, it } from 'vitest';
import { serveDeployment } from '../support/control-plane-manifests.js';
import { isReady, ownedBy, useFleet } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * The scheduler's spread, end to end: a coordinator, three real agents and mosquitto as
 * separate processes; a Deployment of 3 applied with the CLI lands one pod per node,
 * and Docker runs each pod's container under the node it was bound to.
 */

describe('a Deployment over three nodes', () => {
  const fleet = useFleet({ nodes: 3 });

  it('spreads 3 replicas one pod per node, each running in Docker under its node', async () => {
    const f = fleet();
    expect(await f.apply(serveDeployment('web', { replicas: 3 }))).toBe('deployment.apps/web created\n');

    const pods = await waitFor('3 web pods Running and Ready', async () => {
      const web = ownedBy(await f.pods(), 'Deployment', 'web');
      return web.length === 3 && web.every((p) => p.status?.phase === 'Running' && isReady(p)) && web;
    }, { timeoutMs: 30_000 });
    const placement = pods.map((p) => p.spec.nodeName).sort();
    expect(placement).toEqual([...f.nodes].sort());

    const containers = await f.containers('web-');
    expect(containers.map((c) => `${c.node} ${c.pod} ${c.running}`).sort()).toEqual(pods.map((p) => `${p.spec.nodeName} ${p.metadata.name} true`).sort());

    const table = await f.baton('get', 'deployments');
    expect(table.stdout).toMatch(/^web\s+3\/3\s+3\s+3\s/m);
  });
});
