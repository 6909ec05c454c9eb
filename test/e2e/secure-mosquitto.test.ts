import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersWithLabels, docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { freePort } from '../support/ports.js';
import { runCli, startProcess, startProgram, type Running } from '../support/processes.js';
import { readRetained } from '../support/retained.js';
import { waitFor } from '../support/wait.js';

/**
 * The whole secure setup on mosquitto, as a user builds it with the real programs:
 * `baton-coordinator mosquitto-config` writes mosquitto's files, a real mosquitto runs
 * them (dropping to its own user), the coordinator keeps its password and ACL files in
 * step (reloading it by SIGHUP), agents join with a token and talk to it over TLS with
 * their own credentials, and the broker refuses what the ACL does not allow.
 */

const execFileAsync = promisify(execFile);
const run = `sm${process.pid}`;
const [nodeA, nodeB, nodeC] = [`e2e-${run}-a`, `e2e-${run}-b`, `e2e-${run}-c`] as [string, string, string];
const desiredTopic = (node: string): string => `baton/v1/nodes/${node}/desired`;

interface Credentials { username: string; password: string; broker: string }
interface PodItem { metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } }

let base = '';
let mosquitto: Running | undefined;
let coordinator: Running | undefined;
const agents = new Map<string, Running>();
let ports = { plain: 0, tls: 0, http: 0 };
let cliEnv: Record<string, string> = {};
let adminUrl = '';
let token = '';

const cli = (...args: string[]) => runCli(args, { env: cliEnv });
const credentialsOf = async (node: string): Promise<Credentials> => JSON.parse(await readFile(join(base, node, 'credentials.json'), 'utf8')) as Credentials;

/** waitFor, with every process's output in the failure. */
async function waitOn<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  try {
    return await waitFor(what, probe, { timeoutMs });
  } catch (error) {
    const outputs = [['mosquitto', mosquitto], ['coordinator', coordinator], ...agents.entries()] as [string, Running | undefined][];
    throw new Error(`${(error as Error).message}\n${outputs.map(([name, p]) => `--- ${name}:\n${p?.output().slice(-3000) ?? ''}`).join('\n')}`);
  }
}

function startAgent(node: string, joinToken: string): Running {
  const agent = startProgram(
    'baton-agent',
    ['--server', `http://127.0.0.1:${ports.http}`, '--token', joinToken, '--node', node, '--state-dir', join(base, node), '--resync', '1', '--status-interval', '1'],
    { BATON_BROKER: '', BATON_SERVER: '', BATON_TOKEN: '' },
  );
  agents.set(node, agent);
  return agent;
}

async function getPods(): Promise<PodItem[]> {
  const result = await cli('get', 'pods', '-o', 'json');
  if (result.code !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { items: PodItem[] }).items;
}

/** A client that must be refused: resolves with mosquitto's reason, rejects if it got in. */
async function refusedConnect(url: string, options: { username?: string; password?: string; clientId?: string }): Promise<string> {
  try {
    const client = await connectAsync(url, { ...options, reconnectPeriod: 0, connectTimeout: 5000 });
    await client.endAsync(true);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${options.username ?? 'anonymous'} connected to ${url}`);
}

describe('the secure setup on mosquitto', () => {
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'baton-secure-mosquitto-'));
    // mosquitto drops to its own user: it must be able to pass through to DIR.
    await chmod(base, 0o711);
    ports = { plain: await freePort(), tls: await freePort(), http: await freePort() };
    const [dir, stateDir] = [join(base, 'mosquitto'), join(base, 'coordinator')];
    const config = await execFileAsync(process.execPath, ['dist/baton-coordinator.js', 'mosquitto-config', '--out', dir, '--state-dir', stateDir, '--port', String(ports.plain), '--tls-port', String(ports.tls)]);
    expect(config.stderr).toBe('');

    mosquitto = startProcess('mosquitto', ['-c', join(dir, 'baton.conf')]);
    cliEnv = { BATON_CREDENTIALS: join(stateDir, 'admin.json'), BATON_BROKER: '' };
    const admin = JSON.parse(await readFile(join(stateDir, 'admin.json'), 'utf8')) as Credentials;
    expect(admin.broker).toBe(`mqtts://127.0.0.1:${ports.tls}`);
    // The test's own reads go as admin on the plain listener.
    adminUrl = `mqtt://admin:${encodeURIComponent(admin.password)}@127.0.0.1:${ports.plain}`;
    await waitOn('mosquitto to admit admin', () => readRetained(adminUrl, 'baton/v1/coordinator/status'), 10_000);

    coordinator = startProgram('baton-coordinator', [
      '--broker', `mqtts://127.0.0.1:${ports.tls}`, '--state-dir', stateDir, '--http', `127.0.0.1:${ports.http}`,
      '--mosquitto-dir', dir, '--mosquitto-reload', `kill -HUP ${mosquitto.pid}`, '--node-grace', '5s',
    ], { BATON_LISTEN: '', BATON_BROKER: '' });
    // The CLI would wait out its whole request timeout on a coordinator not yet there.
    await waitOn('the coordinator online', async () => (await readRetained(adminUrl, 'baton/v1/coordinator/status')).get('baton/v1/coordinator/status')?.includes('"online"'));
    const created = await waitOn('baton token create', async () => {
      const result = await cli('token', 'create', '--description', 'e2e secure mosquitto');
      return result.code === 0 && result;
    });
    expect(created.stderr).toBe('');
    token = created.stdout.trim();
    expect(token).toMatch(/^bt1\.[a-z0-9]{6}\.[a-z0-9]{24}\.[0-9a-f]{64}$/);
    startAgent(nodeA, token);
    startAgent(nodeB, token);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await coordinator?.stop();
    await mosquitto?.stop();
    await Promise.all([nodeA, nodeB, nodeC].map(removeNodeContainers));
    if (base !== '') await rm(base, { recursive: true, force: true });
  });

  it('joins both agents, which connect over TLS with their own credentials once mosquitto reloaded', async () => {
    await waitOn('both nodes Ready', async () => {
      const nodes = (await cli('get', 'nodes')).stdout;
      return [nodeA, nodeB].every((n) => new RegExp(`^${n}\\s+Ready\\s`, 'm').test(nodes));
    });
    for (const node of [nodeA, nodeB]) {
      const credentials = await credentialsOf(node);
      expect(credentials.username).toBe(`node.${node}`);
      // What the join told the agent, and what it connected to: the TLS listener.
      expect(credentials.broker).toBe(`mqtts://127.0.0.1:${ports.tls}`);
      expect(mosquitto?.output()).toMatch(new RegExp(`as baton-agent-${node} \\(.*u'node\\.${node.replace(/\./g, '\\.')}'\\)`));
    }
    expect(coordinator?.output()).toContain('mosquitto files rewritten and reloaded');
  });

  it('runs a Deployment of 2 on both nodes, in Docker', async () => {
    const file = join(base, 'sleepers.yaml');
    await writeFile(file, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sleepers\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: sleepers }\n  template:\n    metadata:\n      labels: { app: sleepers }\n    spec:\n      terminationGracePeriodSeconds: 1\n      containers:\n        - { name: main, image: ${TEST_IMAGE}, command: [sleep, "3600"] }\n`);
    const applied = await cli('apply', '-f', file);
    expect(applied.stdout).toContain('deployment.apps/sleepers created');
    const pods = await waitOn('2 pods Running', async () => {
      const items = await getPods();
      return items.length === 2 && items.every((p) => p.status?.phase === 'Running') && items;
    }, 30_000);
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set([nodeA, nodeB]));
    for (const pod of pods) {
      const [id] = await containersWithLabels(`io.baton.node=${pod.spec.nodeName}`, `io.baton.pod=${pod.metadata.name}`);
      expect(await docker('inspect', '-f', '{{.State.Running}}', id ?? 'missing')).toBe('true');
    }
  });

  it('refuses anonymous clients, and node A cannot write node B\'s desired state', async () => {
    const anonymous = await execFileAsync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ports.plain), '-t', desiredTopic(nodeA), '-m', '{}']).then(() => 0, (error: { code?: number }) => error.code ?? -1);
    expect(anonymous).not.toBe(0);
    expect(await refusedConnect(`mqtt://127.0.0.1:${ports.plain}`, {})).toMatch(/not authori[sz]ed/i);

    const before = (await readRetained(adminUrl, desiredTopic(nodeB))).get(desiredTopic(nodeB));
    expect(JSON.parse(before ?? '{}')).toMatchObject({ node: nodeB });
    const watcher: MqttClient = await connectAsync(adminUrl, { reconnectPeriod: 0 });
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync([desiredTopic(nodeB), `baton/v1/nodes/${nodeA}/events`], { qos: 1 });
    await waitOn('the retained desired state of B', () => seen.length === 1);

    const a = await credentialsOf(nodeA);
    const forger = await connectAsync(`mqtt://127.0.0.1:${ports.plain}`, { username: a.username, password: a.password, clientId: `baton-agent-${nodeA}`, reconnectPeriod: 0 });
    await forger.publishAsync(desiredTopic(nodeB), JSON.stringify({ forged: true }), { qos: 1, retain: true });
    // A's own events topic is allowed: once that message arrives, the forged one would have too.
    await forger.publishAsync(`baton/v1/nodes/${nodeA}/events`, 'marker', { qos: 1 });
    await forger.endAsync();
    await waitOn('A\'s marker at the watcher', () => seen.some((m) => m.endsWith(' marker')));
    await watcher.endAsync();
    expect(seen.filter((m) => m.includes('forged'))).toEqual([]);
    expect((await readRetained(adminUrl, desiredTopic(nodeB))).get(desiredTopic(nodeB))).toBe(before);
  });

  it('a deleted token joins no one; a deleted node\'s credential stops working and its pod moves', async () => {
    const id = token.split('.')[1] ?? '';
    const deleted = await cli('token', 'delete', id);
    expect(deleted.code).toBe(0);
    const third = startAgent(nodeC, token);
    await waitOn('the third agent to exit', () => third.child.exitCode !== null);
    expect(third.child.exitCode).toBe(1);
    expect(third.output()).toMatch(/the token was refused \(.*\): create a new one with baton token create/);

    const b = await credentialsOf(nodeB);
    const logBefore = mosquitto?.output().length ?? 0;
    const removed = await cli('delete', 'node', nodeB);
    expect(removed.code).toBe(0);
    // mosquitto drops B's connection on the reload (the agent logs nothing of it: its link ignores errors while reconnecting).
    await waitOn('mosquitto to drop B\'s agent on the reload', () => {
      const log = mosquitto?.output().slice(logBefore) ?? '';
      const at = log.indexOf('Reloading config.');
      return at >= 0 && log.indexOf(`Client baton-agent-${nodeB} disconnected`, at) > at;
    });
    expect(await refusedConnect(`mqtt://127.0.0.1:${ports.plain}`, { username: b.username, password: b.password, clientId: `baton-agent-${nodeB}` })).toMatch(/not authori[sz]ed/i);
    const pods = await waitOn('2 pods Running on A', async () => {
      const items = await getPods();
      return items.length === 2 && items.every((p) => p.status?.phase === 'Running' && p.spec.nodeName === nodeA) && items;
    }, 30_000);
    expect(pods).toHaveLength(2);
    expect((await cli('get', 'nodes')).stdout).not.toContain(nodeB);
  });
});
