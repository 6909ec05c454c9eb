import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { NodeStatus, PodStatusReport } from '../../protocol/messages.js';
import type { ListItem } from '../../protocol/requests.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { runCli } from '../support/processes.js';
import { CoordinatorPeer } from './cli-peer.js';
import { freshPrefix, isoAgo, requireBuiltCli } from './cli-fixtures.js';

/** `baton get` against a real mosquitto: retained statuses published by the test, lists answered by it. */

const MINUTE = 60_000;

function nodeStatus(node: string, online: boolean): NodeStatus {
  return {
    protocol: 'v1',
    node,
    state: online ? 'online' : 'offline',
    ...(online ? {} : { reason: 'ConnectionLost' }),
    startedAt: isoAgo(3 * 60 * MINUTE),
    info: {
      architecture: 'arm64',
      operatingSystem: 'linux',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: '6.6.31+rpt-rpi-v8',
      piModel: 'Raspberry Pi 4 Model B Rev 1.4',
      cpus: 4,
      memoryBytes: 4 * 2 ** 30,
      temperatureCelsius: 48.25,
      containerRuntimeVersion: 'docker://24.0.5',
      agentVersion: '0.1.0',
    },
    labels: { 'node-role.kubernetes.io/edge': '' },
    conditions: [{ type: 'Ready', status: online ? 'True' : 'Unknown' }],
  };
}

function podItem(name: string, uid: string, nodeName: string): ListItem {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid, creationTimestamp: isoAgo(5 * MINUTE), labels: { app: 'web' } },
    spec: { containers: [{ name: 'httpd', image: 'baton-test/busybox:1' }], restartPolicy: 'Always', nodeName },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      containerStatuses: [],
    },
  };
}

function runningReport(node: string, name: string, uid: string): PodStatusReport {
  return {
    protocol: 'v1',
    node,
    name,
    uid,
    observedGeneration: 3,
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      podIP: '172.17.0.5',
      containerStatuses: [
        { name: 'httpd', ready: true, restartCount: 2, image: 'baton-test/busybox:1', state: { running: { startedAt: isoAgo(MINUTE) } } },
      ],
    },
  };
}

let broker: Mosquitto;
let peer: CoordinatorPeer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireBuiltCli();
  broker = await startMosquitto();
});

afterAll(async () => {
  await broker?.stop();
});

beforeEach(async () => {
  const prefix = freshPrefix();
  peer = new CoordinatorPeer(broker.url, prefix);
  await peer.start();
  env = { BATON_BROKER: broker.url, BATON_PREFIX: prefix, BATON_TIMEOUT: '5' };
});

afterEach(async () => {
  await peer.stop();
});

describe('baton get nodes', () => {
  beforeEach(async () => {
    await peer.retain(peer.topics.nodeStatus('pi-2'), nodeStatus('pi-2', false));
    await peer.retain(peer.topics.nodeStatus('pi-1'), nodeStatus('pi-1', true));
    await peer.retain(peer.topics.nodeStatus('pi-3'), { not: 'a node status' });
  });

  it('prints a table from the retained statuses, with no coordinator running', async () => {
    const result = await runCli(['get', 'nodes'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'NAME   STATUS     ROLES   AGE   VERSION',
        'pi-1   Ready      edge    3h    0.1.0',
        'pi-2   NotReady   edge    3h    0.1.0',
        '',
      ].join('\n'),
    );
    expect(peer.requests).toEqual([]);
  });

  it('adds the node facts with -o wide', async () => {
    const result = await runCli(['get', 'no', '-o', 'wide'], { env });
    expect(result.code).toBe(0);
    const [header, first] = result.stdout.split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'ARCH', 'OS-IMAGE', 'KERNEL-VERSION', 'CPU', 'MEMORY', 'PI-MODEL', 'TEMP']);
    expect(first?.split(/\s{2,}/)).toEqual([
      'pi-1', 'Ready', 'edge', '3h', '0.1.0', 'arm64', 'Debian GNU/Linux 12 (bookworm)', '6.6.31+rpt-rpi-v8', '4', '4Gi', 'Raspberry Pi 4 Model B Rev 1.4', '48.3°C',
    ]);
  });

  it('prints a Kubernetes-style List with -o json', async () => {
    const result = await runCli(['get', 'nodes', '-o', 'json'], { env });
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { apiVersion: string; kind: string; items: ListItem[] };
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['pi-1', 'pi-2']);
    expect(list.items[1]).toMatchObject({ apiVersion: 'v1', kind: 'Node', spec: {}, status: { node: 'pi-2', state: 'offline', reason: 'ConnectionLost' } });
  });

  it('prints one node with NAME, and fails for a node that is not there', async () => {
    const one = await runCli(['get', 'node', 'pi-1', '-o', 'yaml'], { env });
    expect(one.code).toBe(0);
    expect(parse(one.stdout)).toMatchObject({ kind: 'Node', metadata: { name: 'pi-1' }, status: { state: 'online' } });

    const missing = await runCli(['get', 'node', 'pi-9'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('Error: nodes "pi-9" not found\n');
  });

  it('says so on stderr when there are none', async () => {
    const result = await runCli(['get', 'nodes'], { env: { ...env, BATON_PREFIX: freshPrefix() } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('No resources found.\n');
  });
});

describe('baton get pods', () => {
  beforeEach(async () => {
    peer.answer = (request) => {
      if (request.op !== 'list' || request.kind !== 'pods') return { ok: false, code: 'BadRequest', message: 'unexpected request' };
      const items = [podItem('web-b', 'uid-b', 'pi-2'), podItem('web-a', 'uid-a', 'pi-1'), podItem('web-c', 'uid-c', 'pi-1')];
      const selected = items.filter((i) => request.name === undefined || i.metadata.name === request.name);
      return request.name !== undefined && selected.length === 0
        ? { ok: false, code: 'NotFound', message: `pod ${request.name} not found` }
        : { ok: true, result: { items: selected } };
    };
    // web-a: a fresh report for the same uid; web-b: a report left over from an older pod of that name.
    await peer.retain(peer.topics.podStatus('pi-1', 'web-a'), runningReport('pi-1', 'web-a', 'uid-a'));
    await peer.retain(peer.topics.podStatus('pi-2', 'web-b'), runningReport('pi-2', 'web-b', 'uid-old'));
  });

  it('lays the nodes\' retained statuses over the coordinator\'s list', async () => {
    const result = await runCli(['get', 'pods', '-o', 'wide'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'NAME    READY   STATUS    RESTARTS   AGE   IP           NODE',
        'web-a   1/1     Running   2          5m    172.17.0.5   pi-1',
        'web-b   0/1     Pending   0          5m    <none>       pi-2',
        'web-c   0/1     Pending   0          5m    <none>       pi-1',
        '',
      ].join('\n'),
    );
    expect(peer.requests).toMatchObject([{ op: 'list', kind: 'pods' }]);
  });

  it('prints the merged objects with -o json', async () => {
    const result = await runCli(['get', 'po', '-o', 'json'], { env });
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: ListItem[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => [i.metadata.name, i.spec['nodeName'], i.status?.['phase']])).toEqual([
      ['web-a', 'pi-1', 'Running'],
      ['web-b', 'pi-2', 'Pending'],
      ['web-c', 'pi-1', 'Pending'],
    ]);
  });

  it('reads a list reply larger than 1 MiB, as a big fleet gives', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => podItem(`web-${String(i).padStart(4, '0')}`, `uid-${i}`, 'pi-1'));
    expect(JSON.stringify({ items: many }).length).toBeGreaterThan(2 ** 20);
    peer.answer = () => ({ ok: true, result: { items: many } });
    const result = await runCli(['get', 'pods'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(5001);
  });

  it('asks for one pod by name and reports a missing one as kubectl does', async () => {
    const one = await runCli(['get', 'pod', 'web-a', '-o', 'json'], { env });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'Pod', metadata: { name: 'web-a' }, status: { phase: 'Running', podIP: '172.17.0.5' } });
    expect(peer.requests).toMatchObject([{ op: 'list', kind: 'pods', name: 'web-a' }]);

    const missing = await runCli(['get', 'pods', 'x'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from coordinator: pods "x" not found\n');
  });
});

describe('baton get deployments and daemonsets', () => {
  it('prints the deployment table', async () => {
    peer.answer = () => ({
      ok: true,
      result: {
        items: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'web', namespace: 'default', uid: 'd1', creationTimestamp: isoAgo(45_000), generation: 1 },
            spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'httpd', image: 'baton-test/busybox:1' }] } } },
            status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2, observedGeneration: 1 },
          },
        ],
      },
    });
    const result = await runCli(['get', 'deploy'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/3\s+3\s+2\s+4[4-6]s\n$/);
  });

  it('prints the daemonset table and says when there are none', async () => {
    const items: ListItem[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'exporter', namespace: 'default', uid: 'ds1', creationTimestamp: isoAgo(2 * 24 * 60 * MINUTE) },
        spec: { selector: { matchLabels: { app: 'exporter' } }, template: { metadata: { labels: { app: 'exporter' } }, spec: { containers: [{ name: 'x', image: 'baton-test/busybox:1' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } } } },
        status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 2 },
      },
    ];
    peer.answer = () => ({ ok: true, result: { items } });
    const result = await runCli(['get', 'ds'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'NAME       DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR              AGE',
        'exporter   2         2         1       2            1           kubernetes.io/arch=arm64   2d',
        '',
      ].join('\n'),
    );

    items.length = 0;
    const none = await runCli(['get', 'daemonsets'], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('No resources found.\n');
  });
});
