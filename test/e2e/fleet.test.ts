import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersWithLabels, docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { runCli, startProgram, type Running } from '../support/processes.js';
import { readRetained } from '../support/retained.js';
import { waitFor } from '../support/wait.js';

/**
 * The whole fleet as separate processes: a broker, a coordinator and two agents on one
 * Docker engine, driven through the `baton` CLI and read back over MQTT, once with
 * mosquitto and once with the coordinator's embedded broker. On the embedded broker the
 * fleet is as a user sets it up: the CLI uses the admin credentials the coordinator
 * wrote, each agent joins with a token from `baton token create` and then talks to the
 * broker over TLS with its own credentials.
 */

const manifests = `
apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
    - name: main
      image: ${TEST_IMAGE}
      command: ["sleep", "3600"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: httpd
          image: ${TEST_IMAGE}
          command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe:
            tcpSocket: { port: http }
            periodSeconds: 1
          resources:
            requests: { cpu: 10m, memory: 8Mi }
`;

interface PodItem {
  metadata: { name: string; ownerReferences?: { name: string }[] };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

const execFileAsync = promisify(execFile);

describe.each(['mosquitto', 'embedded'] as const)('a fleet on %s', (brokerKind) => {
  const run = `${brokerKind.slice(0, 4)}${process.pid}`;
  const nodes = [`e2e-${run}-a`, `e2e-${run}-b`];
  let broker: Mosquitto | undefined;
  let url = '';
  let coordinator: Running;
  const agents = new Map<string, Running>();
  let dir = '';
  let cliEnv: Record<string, string> = {};
  const cli = (...args: string[]) => runCli(args, { env: cliEnv });

  async function getPods(): Promise<PodItem[]> {
    const result = await cli('get', 'pods', '-o', 'json');
    if (result.code !== 0) throw new Error(result.stderr);
    return (JSON.parse(result.stdout) as { items: PodItem[] }).items;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-e2e-'));
    if (brokerKind === 'mosquitto') {
      broker = await startMosquitto();
      url = broker.url;
      cliEnv = { BATON_BROKER: url };
      coordinator = startProgram('baton-coordinator', ['--broker', url, '--state-dir', join(dir, 'coordinator')]);
      for (const node of nodes) {
        agents.set(node, startProgram('baton-agent', ['--broker', url, '--node', node, '--state-dir', join(dir, node), '--label', 'fleet=e2e']));
      }
    } else {
      const [port, tlsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
      const stateDir = join(dir, 'coordinator');
      // --anonymous-read: the maker's mosquitto_sub below reads statuses without a credential.
      coordinator = startProgram('baton-coordinator', ['--listen', `127.0.0.1:${port}`, '--listen-tls', `127.0.0.1:${tlsPort}`, '--http', `127.0.0.1:${httpPort}`, '--anonymous-read', '--state-dir', stateDir]);
      cliEnv = { BATON_CREDENTIALS: join(stateDir, 'admin.json') };
      await waitFor('the coordinator\'s admin.json', () => existsSync(join(stateDir, 'admin.json')));
      // The test's own reads of retained messages go as admin (they mark the end of the retained ones with a sync message).
      const admin = JSON.parse(await readFile(join(stateDir, 'admin.json'), 'utf8')) as { password: string };
      url = `mqtt://admin:${encodeURIComponent(admin.password)}@127.0.0.1:${port}`;
      const token = await cli('token', 'create', '--description', 'e2e fleet');
      expect(token.stderr).toBe('');
      for (const node of nodes) {
        agents.set(node, startProgram('baton-agent', ['--server', `http://127.0.0.1:${httpPort}`, '--token', token.stdout.trim(), '--node', node, '--state-dir', join(dir, node), '--label', 'fleet=e2e']));
      }
    }
    await waitFor('both nodes Ready in `baton get nodes`', async () => {
      const result = await cli('get', 'nodes');
      return nodes.every((n) => new RegExp(`^${n}\\s+Ready\\s`, 'm').test(result.stdout));
    });
    if (brokerKind === 'embedded') {
      // Each node joined with the token: its own credentials, kept 0600, for the TLS listener.
      for (const node of nodes) {
        const file = join(dir, node, 'credentials.json');
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        const credentials = JSON.parse(await readFile(file, 'utf8')) as { username: string; broker: string };
        expect(credentials.username).toBe(`node.${node}`);
        expect(credentials.broker).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      }
    }
  });

  afterAll(async () => {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await coordinator?.stop();
    await broker?.stop();
    await Promise.all(nodes.map(removeNodeContainers));
  });

  it('runs a Pod and a Deployment of 3 spread over both nodes', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, manifests);
    const applied = await cli('apply', '-f', file);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('pod/solo created');
    expect(applied.stdout).toContain('deployment.apps/web created');
    expect(applied.code).toBe(0);

    const pods = await waitFor('4 pods Running', async () => {
      const items = await getPods();
      return items.length === 4 && items.every((p) => p.status?.phase === 'Running') && items;
    }, { timeoutMs: 45_000 });
    const web = pods.filter((p) => p.metadata.ownerReferences?.[0]?.name === 'web');
    expect(web).toHaveLength(3);
    expect(new Set(web.map((p) => p.spec.nodeName))).toEqual(new Set(nodes));

    const table = await cli('get', 'pods', '-o', 'wide');
    expect(table.stdout).toMatch(/^solo\s+1\/1\s+Running\s+0\s/m);

    // Each agent's containers are really running in Docker, labelled with its node.
    for (const pod of pods) {
      const ids = await containersWithLabels(`io.baton.node=${pod.spec.nodeName}`, `io.baton.pod=${pod.metadata.name}`);
      expect(ids).toHaveLength(1);
      expect(await docker('inspect', '-f', '{{.State.Running}}', ids[0] ?? '')).toBe('true');
    }
  });

  it('describes a pod with its probe, its conditions and the events its agent published', async () => {
    const [web] = (await getPods()).filter((p) => p.metadata.ownerReferences?.[0]?.name === 'web');
    const name = web?.metadata.name ?? 'missing';
    const described = await waitFor('the pod\'s Started event in describe', async () => {
      const out = await cli('describe', 'pod', name);
      return /Normal\s+Started\s+.*Started container httpd/.test(out.stdout) && out;
    });
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^Name:\\s+${name}$`, 'm'));
    expect(described.stdout).toMatch(/^\s+Readiness:\s+tcp-socket :http delay=0s timeout=1s period=1s #success=1 #failure=3$/m);
    expect(described.stdout).toMatch(/^\s+Ready\s+True\s*$/m);
    expect(described.stdout).toMatch(/Normal\s+Created\s+.*Created container httpd/);
  });

  it('shows the same pods to a maker with mosquitto_sub', async () => {
    const port = new URL(url).port;
    const { stdout } = await execFileAsync('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', 'baton/v1/nodes/+/pods/+', '-v', '-C', '4', '-W', '10']);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      const space = line.indexOf(' ');
      const report = JSON.parse(line.slice(space + 1)) as { node: string; name: string; status: { phase: string } };
      expect(line.slice(0, space)).toBe(`baton/v1/nodes/${report.node}/pods/${report.name}`);
      expect(report.status.phase).toBe('Running');
    }
  });

  it('deletes the Deployment: containers gone, retained statuses cleared', async () => {
    const deleted = await cli('delete', 'deployment', 'web');
    expect(deleted.stdout).toContain('deployment.apps "web" deleted');
    expect(deleted.code).toBe(0);
    await waitFor('the web containers to be removed', async () => {
      const left = await Promise.all(nodes.map((n) => containersWithLabels(`io.baton.node=${n}`)));
      return left.flat().length === 1;
    }, { timeoutMs: 30_000 });
    const retained = await waitFor('only solo left on the broker', async () => {
      const messages = await readRetained(url, 'baton/v1/nodes/+/pods/+');
      return messages.size === 1 && messages;
    });
    expect([...retained.keys()][0]).toMatch(/\/pods\/solo$/);
    const pods = await getPods();
    expect(pods.map((p) => p.metadata.name)).toEqual(['solo']);
  });

  it('marks a SIGKILLed agent offline through its last will, and shows its pods Unknown', async () => {
    const victim = nodes[1] ?? '';
    const pinned = join(dir, 'pinned.yaml');
    await writeFile(pinned, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pinned\nspec:\n  nodeName: ${victim}\n  containers:\n    - { name: main, image: ${TEST_IMAGE}, command: [sleep, "3600"] }\n`);
    expect((await cli('apply', '-f', pinned)).code).toBe(0);
    await waitFor('pinned Running', async () => (await getPods()).find((p) => p.metadata.name === 'pinned')?.status?.phase === 'Running');
    await agents.get(victim)?.stop('SIGKILL');
    await waitFor(`${victim} offline on the broker`, async () => {
      const messages = await readRetained(url, `baton/v1/nodes/${victim}/status`);
      const status = messages.get(`baton/v1/nodes/${victim}/status`);
      return status !== undefined && (JSON.parse(status) as { state: string }).state === 'offline';
    }, { timeoutMs: 30_000 });
    const table = await cli('get', 'nodes');
    expect(table.stdout).toMatch(new RegExp(`^${victim}\\s+NotReady\\s`, 'm'));
    // Not deleted: the pod is still there, its state unknown while its node is away.
    const pods = await cli('get', 'pods');
    expect(pods.stdout).toMatch(/^pinned\s+0\/1\s+Unknown\s/m);
  });
});
