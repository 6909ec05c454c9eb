import { describe, expect, it } from 'vitest';
import { serveDeployment, sleepDaemonSet } from '../support/control-plane-manifests.js';
import { isReady, ownedBy, useFleet, type Fleet, type PodItem } from '../support/fleet.js';
import { waitFor } from '../support/wait.js';

/**
 * `baton cordon` and `baton drain` with real agents (test/integration/cli-cordon.test.ts
 * shows the CLI's words against fake nodes): what runs in Docker follows. A cordoned node
 * starts no container of a new Deployment but does get its DaemonSet pod; a drained
 * node's Deployment containers move to the other nodes while its DaemonSet container
 * stays, untouched.
 */

async function settled(f: Fleet, what: string, check: (web: PodItem[], logger: PodItem[]) => boolean): Promise<{ web: PodItem[]; logger: PodItem[] }> {
  return waitFor(what, async () => {
    const pods = await f.pods();
    const web = ownedBy(pods, 'Deployment', 'web');
    const logger = ownedBy(pods, 'DaemonSet', 'logger');
    const ready = [...web, ...logger].every((p) => p.status?.phase === 'Running' && isReady(p));
    return ready && check(web, logger) && { web, logger };
  }, { timeoutMs: 30_000 });
}

const on = (pods: readonly PodItem[], node: string): string[] => pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name).sort();

describe('cordon and drain across three agents', () => {
  const fleet = useFleet({ nodes: 3 });

  it('keeps new Deployment pods off a cordoned node and moves them off a drained one, DaemonSet pods staying', async () => {
    const f = fleet();
    const [a = '', b = '', c = ''] = f.nodes;
    expect(await f.baton('cordon', a)).toMatchObject({ code: 0, stdout: `node/${a} cordoned\n` });
    await f.apply(`${serveDeployment('web', { replicas: 4 })}---\n${sleepDaemonSet('logger')}`);

    const first = await settled(f, '4 web pods and 3 logger pods Running and Ready', (web, logger) => web.length === 4 && logger.length === 3);
    expect(on(first.web, a)).toEqual([]);
    expect(on(first.web, b)).toHaveLength(2);
    expect(on(first.web, c)).toHaveLength(2);
    expect(on(first.logger, a)).toHaveLength(1);
    const webContainers = await f.containers('web-');
    expect(webContainers.filter((x) => x.node === a)).toEqual([]);
    expect(webContainers).toHaveLength(4);

    expect(await f.baton('uncordon', a)).toMatchObject({ code: 0, stdout: `node/${a} uncordoned\n` });
    const loggerBefore = (await f.containers('logger-')).map((x) => `${x.node} ${x.id} ${x.startedAt}`).sort();
    const webOnC = webContainers.filter((x) => x.node === c).map((x) => x.id).sort();

    const drained = await f.baton('drain', b);
    expect(drained.code).toBe(0);
    const evicted = on(first.web, b);
    expect(drained.stdout).toBe([`node/${b} cordoned`, ...evicted.map((p) => `pod/${p} evicted`), `node/${b} drained`, ''].join('\n'));
    expect(drained.stderr).toBe(`Warning: ignoring DaemonSet-managed Pods: default/${on(first.logger, b)[0]}\n`);
    expect((await f.baton('get', 'nodes')).stdout).toMatch(new RegExp(`^${b}\\s+Ready,SchedulingDisabled\\s`, 'm'));

    // Spread sends both replacements to the emptier node, a; c's pods stay as they are.
    const second = await settled(f, `web off ${b}: 2 on ${a}, 2 on ${c}`, (web) => web.length === 4 && on(web, a).length === 2 && on(web, c).length === 2);
    expect(on(second.web, b)).toEqual([]);
    expect(second.logger.map((p) => p.metadata.name).sort()).toEqual(first.logger.map((p) => p.metadata.name).sort());
    await waitFor(`the web containers of ${b} removed from Docker`, async () => (await f.containers('web-')).every((x) => x.node !== b));
    const webAfter = await f.containers('web-');
    expect(webAfter.filter((x) => x.node === c).map((x) => x.id).sort()).toEqual(webOnC);
    expect(webAfter.filter((x) => x.node === a && x.running)).toHaveLength(2);
    expect((await f.containers('logger-')).map((x) => `${x.node} ${x.id} ${x.startedAt}`).sort()).toEqual(loggerBefore);
  });
});
