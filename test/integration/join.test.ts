import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, pkiDir, type Pki } from '../../coordinator/auth/pki.js';
import { AuthStore } from '../../coordinator/auth/auth-store.js';
import { readRetained } from '../../coordinator/cli/retained.js';
import { withSession } from '../../coordinator/cli/session.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { EmbeddedBroker } from '../../coordinator/embedded-broker.js';
import { InstallServer } from '../../coordinator/http/install-server.js';
import { Store } from '../../coordinator/store.js';
import { encodePayload } from '../../protocol/codec.js';
import { JOIN_TOKEN_REFUSED, joinReplySchema, type JoinReply } from '../../protocol/join.js';
import { formatTokenCredential, parseJoinToken } from '../../protocol/join-token.js';
import { createLogger } from '../../protocol/log.js';
import { BrokerUnreachableError } from '../../protocol/broker-errors.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { runCli } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltCli } from './cli-fixtures.js';
import { fakeNodeStatus, removeDir, tempStateDir } from './coordinator-harness.js';

/**
 * Joining and node credentials, the coordinator's pieces wired in this process as
 * coordinator/main.ts will wire them: the PKI, the auth store, the embedded broker with
 * authentication and its TLS listener, the HTTP port with POST /join, and a Coordinator
 * with the auth store. Real HTTPS and HTTP requests, real MQTT over TLS, and the built
 * `baton` CLI (npm run build first) with the admin.json the store writes.
 */

const log = createLogger('join-test', 'silent');
const INSTALLER = "#!/bin/sh\nDEFAULT_SERVER=''\nDEFAULT_BROKER=''\n";

interface Answer {
  status: number;
  text: string;
}

let stateDir: string;
let home: string;
let pki: Pki;
let nowMs = Date.now();
let store: AuthStore;
let broker: EmbeddedBroker;
let tlsPort: number;
let server: InstallServer;
let httpPort: number;
let coordinator: Coordinator;
const prefix = `jointest${process.pid}`;
let topics: Topics;
let adminFile: string;

/** One request to the HTTP port: `https` trusts the coordinator's CA alone, as the agent does. */
function post(scheme: 'https' | 'http', path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port: httpPort, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } };
    const onReply = (res: import('node:http').IncomingMessage): void => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    };
    const req = scheme === 'https' ? httpsRequest({ ...options, ca: pki.caCertPem, checkServerIdentity: () => undefined }, onReply) : httpRequest(options, onReply);
    req.on('error', reject);
    req.end(body);
  });
}

function joinBody(node: string, token: string): string {
  return JSON.stringify({ protocol: PROTOCOL_VERSION, node, token });
}

async function joined(node: string, token: string): Promise<JoinReply> {
  const answer = await post('https', '/join', joinBody(node, token));
  expect(answer.status, answer.text).toBe(200);
  return joinReplySchema.parse(JSON.parse(answer.text));
}

async function newToken(ttlMs: number | null = 3_600_000): Promise<string> {
  const made = await store.createToken({ ttlMs, description: 'join test' });
  return formatTokenCredential(made);
}

/** Connects as `username` over the broker's TLS listener, trusting the coordinator's CA alone; resolves with the link or rejects. */
async function connectAs(credentials: { username: string; password: string; ca: string; broker: string }, clientId: string): Promise<MqttLink> {
  const link = new MqttLink({ url: credentials.broker, clientId, reconnect: false, connectTimeoutMs: 5000, username: credentials.username, password: credentials.password, ca: credentials.ca });
  await link.start();
  return link;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['--prefix', prefix, '--timeout', '10', ...args], { env: { HOME: home, XDG_CONFIG_HOME: '', BATON_CREDENTIALS: '', BATON_BROKER: '' } });
}

beforeAll(async () => {
  await requireBuiltCli();
  stateDir = await tempStateDir();
  home = await mkdtemp(join(tmpdir(), 'baton-join-home-'));
  pki = await ensurePki(pkiDir(stateDir));
  store = await AuthStore.load({ stateDir, now: () => nowMs });
  topics = new Topics(prefix);
  broker = new EmbeddedBroker('127.0.0.1', 0, {
    auth: { authenticate: (username, password, clientId) => store.authenticate(username, password, clientId), anonymousRead: false, topics, log },
    tls: { host: '127.0.0.1', port: 0, cert: pki.serverCertPem, key: pki.serverKeyPem },
  });
  const addresses = await broker.start();
  tlsPort = addresses.tls?.port ?? 0;
  // As main.ts will: a credential made, replaced or removed closes that user's connections.
  store.onChange((usernames) => {
    for (const username of usernames) broker.disconnectUser(username);
  });
  await store.ensureBootstrap({ broker: `mqtts://127.0.0.1:${tlsPort}`, ca: pki.caCertPem });
  adminFile = store.adminCredentialsPath;

  server = new InstallServer({
    host: '127.0.0.1',
    port: 0,
    binariesDir: stateDir,
    installer: INSTALLER,
    unit: '[Unit]\n',
    broker: { kind: 'embedded', port: addresses.port },
    log,
    tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, caCert: pki.caCertPem },
    join: { store, mqttsPort: tlsPort },
  });
  httpPort = (await server.start()).port;

  const link = new MqttLink({
    url: `mqtts://127.0.0.1:${tlsPort}`,
    clientId: `baton-coordinator-${prefix}`,
    reconnect: true,
    username: 'coordinator',
    password: store.coordinatorPassword(),
    ca: pki.caCertPem,
    will: { topic: topics.coordinatorStatus(), payload: Coordinator.offlineStatus('test'), retain: true },
  });
  const coordinatorStore = new Store(stateDir);
  coordinator = new Coordinator(
    {
      link,
      topics,
      store: coordinatorStore,
      log,
      version: 'test',
      entropy: { now: () => new Date().toISOString(), newUid: () => randomUUID(), nameSuffix: () => randomUUID().slice(0, 5) },
      monotonicMs: () => performance.now(),
      evictionTimeoutMs: 60_000,
      nodeGraceMs: 60_000,
      auth: { store, caSha256: pki.caSha256 },
    },
    await coordinatorStore.load(),
  );
  await coordinator.start();
  await waitFor('the coordinator to connect with its credential', () => link.isConnected);
});

afterAll(async () => {
  await coordinator?.stop();
  await server?.stop();
  await broker?.stop();
  if (stateDir) await removeDir(stateDir);
  if (home) await removeDir(home);
});

describe('POST /join', () => {
  it('a valid token over HTTPS gives the node credentials that work on the broker over TLS, for its own client id only', async () => {
    const token = await newToken();
    const reply = await joined('pi-1', token);
    expect(reply).toMatchObject({ protocol: 'v1', node: 'pi-1', username: 'node.pi-1', broker: `mqtts://127.0.0.1:${tlsPort}`, ca: pki.caCertPem });
    expect(reply.password.length).toBeGreaterThanOrEqual(32);
    const link = await connectAs(reply, 'baton-agent-pi-1');
    expect(link.isConnected).toBe(true);
    await link.stop();
    await expect(connectAs(reply, 'baton-agent-pi-2')).rejects.toBeInstanceOf(BrokerUnreachableError);
    await expect(connectAs({ ...reply, password: 'wrong' }, 'baton-agent-pi-1')).rejects.toThrow(/not authorized/i);
  });

  it('a wrong secret, an unknown id, a malformed, an expired and a deleted token all get the same 401', async () => {
    const good = await newToken();
    const [id = '', secret = ''] = good.split('.');
    const shortLived = await newToken(1000);
    const deleted = await newToken();
    expect(await store.deleteToken(deleted.split('.')[0] ?? '')).toBe(true);
    nowMs += 1000;
    const answers: Answer[] = [];
    for (const token of [`${id}.${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`, `zzzzzz.${secret}`, 'not-a-token', shortLived, deleted]) {
      answers.push(await post('https', '/join', joinBody('pi-2', token)));
    }
    for (const answer of answers) {
      expect(answer).toEqual({ status: 401, text: `${JSON.stringify({ error: JOIN_TOKEN_REFUSED })}\n` });
    }
    expect(store.hasNodeCredential('pi-2')).toBe(false);
    expect((await post('https', '/join', joinBody('pi-2', good))).status).toBe(200);
  });

  it('over plain HTTP: 403 "join over https", and nothing made', async () => {
    const answer = await post('http', '/join', joinBody('pi-3', await newToken()));
    expect(answer).toEqual({ status: 403, text: '{"error":"join over https"}\n' });
    expect(store.hasNodeCredential('pi-3')).toBe(false);
  });

  it('joining again replaces the credential: the old password stops working, its connection is closed', async () => {
    const token = await newToken();
    const first = await joined('pi-4', token);
    const link = await connectAs(first, 'baton-agent-pi-4');
    const second = await joined('pi-4', token);
    expect(second.password).not.toBe(first.password);
    await waitFor('the old connection to be closed', () => !link.isConnected);
    await link.stop();
    await expect(connectAs(first, 'baton-agent-pi-4')).rejects.toThrow(/not authorized/i);
    const again = await connectAs(second, 'baton-agent-pi-4');
    await again.stop();
  });

  it('a bad node name or body is 400, a body past 4 KiB is 413, GET is 405', async () => {
    const token = await newToken();
    expect((await post('https', '/join', joinBody('Pi_1', token))).status).toBe(400);
    expect((await post('https', '/join', '{"protocol":"v1",')).status).toBe(400);
    expect((await post('https', '/join', JSON.stringify({ protocol: 'v2', node: 'pi-5', token }))).status).toBe(400);
    const big = await post('https', '/join', JSON.stringify({ protocol: 'v1', node: 'pi-5', token, pad: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(store.hasNodeCredential('pi-5')).toBe(false);
  });
});

describe('baton token and baton delete node, with the admin credentials', () => {
  it('token create prints a join token that joins; list shows it without its secret; delete ends it', async () => {
    const created = await cli(['--credentials', adminFile, 'token', 'create', '--ttl', '2h', '--description', 'kitchen pis']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const parsed = parseJoinToken(created.stdout.trim());
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.caSha256).toBe(pki.caSha256);
    await joined('pi-6', formatTokenCredential(parsed));

    const listed = await cli(['--credentials', adminFile, 'token', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+DESCRIPTION\s+CREATED\s+EXPIRES$/);
    expect(listed.stdout).toMatch(new RegExp(`^${parsed.id}\\s+kitchen pis\\s+\\S+Z\\s+\\S+Z$`, 'm'));
    expect(listed.stdout).not.toContain(parsed.secret);

    const deleted = await cli(['--credentials', adminFile, 'token', 'delete', parsed.id]);
    expect(deleted).toMatchObject({ code: 0, stdout: `token "${parsed.id}" deleted\n` });
    expect((await post('https', '/join', joinBody('pi-7', formatTokenCredential(parsed)))).status).toBe(401);
    expect((await cli(['--credentials', adminFile, 'token', 'list'])).stdout).not.toContain(parsed.id);
    const again = await cli(['--credentials', adminFile, 'token', 'delete', parsed.id]);
    expect(again).toMatchObject({ code: 1, stderr: `Error from coordinator: token "${parsed.id}" not found\n` });
  });

  it('the default ~/.config/baton/admin.json is used when no file is named', async () => {
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(join(home, '.config', 'baton'), { recursive: true });
    await copyFile(adminFile, join(home, '.config', 'baton', 'admin.json'));
    try {
      const listed = await cli(['token', 'list']);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
    } finally {
      await removeDir(join(home, '.config'));
    }
  });

  it('without credentials the broker refuses the CLI; a named file that is missing or malformed is named in the error', async () => {
    const anonymous = await cli(['--broker', `mqtts://127.0.0.1:${tlsPort}`, 'token', 'list']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^error: cannot connect to the MQTT broker at mqtts:\/\/127\.0\.0\.1:\d+: /);
    const missing = join(home, 'nope.json');
    expect(await cli(['--credentials', missing, 'token', 'list'])).toMatchObject({ code: 1, stderr: `error: the credentials file ${missing} (--credentials / BATON_CREDENTIALS) does not exist; copy admin.json from the coordinator's state directory\n` });
    const bad = join(home, 'bad.json');
    await writeFile(bad, '{"protocol":"v1"}');
    const malformed = await cli(['--credentials', bad, 'token', 'list']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain(`error: the credentials file ${bad} is not a Baton admin.json`);
  });

  it("delete node revokes the node's credential, clears its retained status, desired state and pod statuses, and deletes its pods", async () => {
    const node = await joined('pi-8', await newToken());
    const agent = await connectAs(node, 'baton-agent-pi-8');
    const status = fakeNodeStatus('pi-8');
    expect(await agent.publish(topics.nodeStatus('pi-8'), encodePayload(status), { retain: true })).toBe(true);
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo-pi-8' }, spec: { nodeName: 'pi-8', containers: [{ name: 'app', image: 'busybox:1' }] } });
    const apply = await runCli(['--prefix', prefix, '--credentials', adminFile, 'apply', '-f', '-'], { env: { HOME: home, XDG_CONFIG_HOME: '' }, input: manifest });
    expect(apply.stderr).toBe('');
    const podStatus = { protocol: 'v1', node: 'pi-8', name: 'solo-pi-8', uid: 'u-solo', observedGeneration: 1, status: { phase: 'Running' } };
    await agent.publish(topics.podStatus('pi-8', 'solo-pi-8'), encodePayload(podStatus), { retain: true });
    const adminSession = { broker: `mqtts://127.0.0.1:${tlsPort}`, prefix: prefix, timeoutMs: 10_000, credentials: adminFile };
    const under = `${topics.root}/nodes/pi-8/#`;
    await waitFor('the desired state, status and pod status of pi-8 to be retained', async () => {
      const retained = await withSession(adminSession, (session) => readRetained(session, [under]));
      return retained.has(topics.nodeDesired('pi-8')) && retained.has(topics.nodeStatus('pi-8')) && retained.has(topics.podStatus('pi-8', 'solo-pi-8'));
    });

    const removed = await cli(['--credentials', adminFile, 'delete', 'node', 'pi-8']);
    expect(removed.stderr).toBe('');
    expect(removed).toMatchObject({ code: 0, stdout: 'pod "solo-pi-8" deleted\nnode "pi-8" deleted\n' });
    await waitFor("the node's connection to be closed", () => !agent.isConnected);
    await agent.stop();
    await expect(connectAs(node, 'baton-agent-pi-8')).rejects.toThrow(/not authorized/i);
    const left = await withSession(adminSession, (session) => readRetained(session, [under]));
    expect([...left.keys()]).toEqual([]);
    const pods = await cli(['--credentials', adminFile, 'get', 'pods', '-o', 'json']);
    expect(pods.stdout).not.toContain('solo-pi-8');
    const nodes = await cli(['--credentials', adminFile, 'get', 'nodes']);
    expect(nodes.stdout).not.toContain('pi-8');

    const unknown = await cli(['--credentials', adminFile, 'delete', 'node', 'pi-404']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'Error from coordinator: nodes "pi-404" not found\n' });
  });
});

describe('with authentication off', () => {
  it('token and delete node say so', async () => {
    const openBroker = new EmbeddedBroker('127.0.0.1', 0);
    const address = await openBroker.start();
    const dir = await tempStateDir();
    const offPrefix = `jointestoff${process.pid}`;
    const offTopics = new Topics(offPrefix);
    const link = new MqttLink({ url: `mqtt://127.0.0.1:${address.port}`, clientId: `baton-coordinator-${offPrefix}`, reconnect: true });
    const offStore = new Store(dir);
    const off = new Coordinator(
      {
        link,
        topics: offTopics,
        store: offStore,
        log,
        version: 'test',
        entropy: { now: () => new Date().toISOString(), newUid: () => randomUUID(), nameSuffix: () => randomUUID().slice(0, 5) },
        monotonicMs: () => performance.now(),
        evictionTimeoutMs: 60_000,
        nodeGraceMs: 60_000,
      },
      await offStore.load(),
    );
    try {
      await off.start();
      await waitFor('the coordinator to connect', () => link.isConnected);
      const env = { HOME: home, XDG_CONFIG_HOME: '' };
      for (const args of [['token', 'list'], ['token', 'create'], ['delete', 'node', 'pi-1']]) {
        const result = await runCli(['--broker', `mqtt://127.0.0.1:${address.port}`, '--prefix', offPrefix, ...args], { env });
        expect(result, args.join(' ')).toMatchObject({ code: 1, stderr: 'Error from coordinator: authentication is off on this coordinator: there are no join tokens or node credentials to manage\n' });
      }
    } finally {
      await off.stop();
      await openBroker.stop();
      await removeDir(dir);
    }
  });
});
