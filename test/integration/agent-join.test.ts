import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, type Pki } from '../../coordinator/auth/pki.js';
import { formatJoinToken } from '../../protocol/join-token.js';
import { removeNodeContainers } from '../support/docker.js';
import { freePort } from '../support/ports.js';
import { startProcess, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { desiredState, requireBuiltAgent, testPod, topics, uniqueNode, waitForRunning } from './agent-harness.js';
import { startJoinCoordinator, type JoinCoordinator } from './join-coordinator.js';

/**
 * A node joins with a token: the built agent against a coordinator stand-in that serves
 * the two join routes over one port (plain and TLS, a CA made by the coordinator's own
 * ensurePki) and a mosquitto that admits only users of its password file, over TLS with
 * a certificate of that CA.
 */

const TOKEN = { id: 'abc123', secret: randomBytes(12).toString('hex').slice(0, 24) };
const cleanups: (() => Promise<void>)[] = [];
let base: string;
let pki: Pki;
let broker: { process: Running; tlsUrl: string; plainUrl: string };
let observer: MqttClient;
/** The node status messages seen on the broker, by node: the last one's `state`. */
const statuses = new Map<string, string[]>();
/** Each node's password, as the stand-in hands it out and as mosquitto's password file has it. */
const passwords = new Map<string, string>();
const NODES = ['join-a', 'join-b', 'join-c', 'join-d'].map((prefix) => uniqueNode(prefix));

beforeAll(async () => {
  requireBuiltAgent();
  base = await mkdtemp(join(tmpdir(), 'baton-agent-join-'));
  pki = await ensurePki(join(base, 'tls'), { sans: ['127.0.0.1'] });
  const passwordFile = join(base, 'passwords');
  await writeFile(passwordFile, '');
  for (const [user, password] of [['observer', 'observer-pw'], ...NODES.map((node) => [`node.${node}`, passwordFor(node)])] as const) {
    execFileSync('mosquitto_passwd', ['-b', passwordFile, user, password]);
  }
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  const config = join(base, 'mosquitto.conf');
  await writeFile(config, [
    // The password file and the key are in a 0700 folder of root's: no dropping privileges.
    'user root',
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${passwordFile}`,
    'persistence false',
    'log_type all',
    `listener ${plainPort} 127.0.0.1`,
    `listener ${tlsPort} 127.0.0.1`,
    `cafile ${pki.paths.caCert}`,
    `certfile ${pki.paths.serverCert}`,
    `keyfile ${pki.paths.serverKey}`,
    '',
  ].join('\n'));
  const process = startProcess('mosquitto', ['-c', config]);
  broker = { process, tlsUrl: `mqtts://127.0.0.1:${tlsPort}`, plainUrl: `mqtt://127.0.0.1:${plainPort}` };
  observer = await waitFor(`mosquitto to admit the observer\n${process.output()}`, () => connectAsync(broker.plainUrl, { username: 'observer', password: 'observer-pw', reconnectPeriod: 0 }), { timeoutMs: 10_000 });
  observer.on('message', (topic, payload) => {
    const node = NODES.find((n) => topic === topics.nodeStatus(n));
    if (node !== undefined && payload.length > 0) statuses.set(node, [...(statuses.get(node) ?? []), (JSON.parse(payload.toString()) as { state: string }).state]);
  });
  await observer.subscribeAsync(NODES.map((n) => topics.nodeStatus(n)), { qos: 1 });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await observer?.endAsync(true);
  await broker?.process.stop();
  for (const node of NODES) await removeNodeContainers(node);
  await rm(base, { recursive: true, force: true });
});

function passwordFor(node: string): string {
  let password = passwords.get(node);
  if (password === undefined) {
    password = randomBytes(18).toString('base64url');
    passwords.set(node, password);
  }
  return password;
}

async function coordinator(port?: number): Promise<JoinCoordinator> {
  const started = await startJoinCoordinator({
    port: port ?? (await freePort()),
    caPem: pki.caCertPem,
    certPem: pki.serverCertPem,
    keyPem: pki.serverKeyPem,
    token: `${TOKEN.id}.${TOKEN.secret}`,
    credentials: (node) => ({ username: `node.${node}`, password: passwordFor(node), broker: broker.tlsUrl, ca: pki.caCertPem }),
  });
  cleanups.push(() => started.close());
  return started;
}

async function stateDir(node: string): Promise<string> {
  const dir = await mkdtemp(join(base, `state-${node}-`));
  return dir;
}

/** The built agent; the token goes by the environment, as agent.env gives it. */
function agent(node: string, dir: string, join?: { server: string; token: string }): Running {
  const running = startProgram(
    'baton-agent',
    ['--node', node, '--state-dir', dir, '--resync', '1', '--status-interval', '1', '--log-level', 'debug', ...(join ? ['--server', join.server] : [])],
    { BATON_TOKEN: join?.token ?? '', BATON_BROKER: '', BATON_SERVER: '' },
  );
  cleanups.push(() => running.stop('SIGKILL'));
  return running;
}

const goodToken = (): string => formatJoinToken({ ...TOKEN, caSha256: pki.caSha256 });
const lastStatus = (node: string): string | undefined => statuses.get(node)?.at(-1);

/** waitFor, with the agent's output (as it is when the wait fails) in the failure. */
async function waitOn<T>(running: Running, what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs?: number): Promise<T> {
  try {
    return await waitFor(what, probe, timeoutMs !== undefined ? { timeoutMs } : {});
  } catch (error) {
    throw new Error(`${(error as Error).message}\nthe agent said:\n${running.output()}`);
  }
}

async function exitCode(running: Running): Promise<number | null> {
  return waitOn(running, 'the agent to exit', () => (running.child.exitCode !== null ? running.child.exitCode : undefined));
}

describe('baton-agent --server --token', () => {
  it('joins, keeps the credentials 0600, connects with them over TLS, and a restarted agent needs no token', async () => {
    const [node] = NODES as [string];
    const server = await coordinator();
    const dir = await stateDir(node);
    const first = agent(node, dir, { server: server.url, token: goodToken() });
    await waitOn(first, `node ${node} online on the broker`, () => lastStatus(node) === 'online');

    // One CA over plain HTTP, then one join over TLS, carrying <id>.<secret> only.
    expect(server.requests).toEqual([{ method: 'GET', path: '/ca.crt', tls: false }, { method: 'POST', path: '/join', tls: true }]);
    expect(server.joins).toEqual([{ protocol: 'v1', node, token: `${TOKEN.id}.${TOKEN.secret}` }]);
    const file = join(dir, 'credentials.json');
    expect((await stat(file)).mode & 0o7777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ protocol: 'v1', node, username: `node.${node}`, password: passwordFor(node), broker: broker.tlsUrl, ca: pki.caCertPem });
    // The broker saw the node's own user (mosquitto logs the user name of each client).
    expect(broker.process.output()).toMatch(new RegExp(`as baton-agent-${node} \\(.*u'node\\.${node.replace(/\./g, '\\.')}'\\)`));
    expect(first.output()).not.toContain(TOKEN.secret);
    expect(first.output()).not.toContain(passwordFor(node));

    await first.stop('SIGTERM');
    await waitOn(first, 'the node offline after its stop', () => lastStatus(node) === 'offline');
    const second = agent(node, dir);
    await waitOn(second, `node ${node} online again, from credentials.json`, () => lastStatus(node) === 'online');
    expect(server.requests).toHaveLength(2);
    expect(second.output()).toContain('using credentials.json');
  });

  it('refuses a coordinator whose CA is not the one the token pins: exits 1, saves nothing', async () => {
    const [, node] = NODES as [string, string];
    const server = await coordinator();
    const dir = await stateDir(node);
    const wrongPin = formatJoinToken({ ...TOKEN, caSha256: 'ab'.repeat(32) });
    const running = agent(node, dir, { server: server.url, token: wrongPin });
    expect(await exitCode(running)).toBe(1);
    expect(running.output()).toMatch(/baton-agent: the coordinator's CA does not match the token: .* has sha256 [0-9a-f]{64}, the token pins (ab){32}; check --server/);
    expect(server.requests.map((r) => r.path)).toEqual(['/ca.crt']);
    expect(await readdir(dir)).not.toContain('credentials.json');
    expect(running.output()).not.toContain(TOKEN.secret);
  });

  it('a refused token: exits 1 saying to create a new one, saves nothing', async () => {
    const [, , node] = NODES as [string, string, string];
    const server = await coordinator();
    const dir = await stateDir(node);
    const other = formatJoinToken({ id: 'zzz999', secret: 'y'.repeat(24), caSha256: pki.caSha256 });
    const running = agent(node, dir, { server: server.url, token: other });
    expect(await exitCode(running)).toBe(1);
    expect(running.output()).toMatch(/baton-agent: the token was refused \(.*\): create a new one with baton token create/);
    expect(server.joins).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('credentials.json');
    expect(running.output()).not.toContain('y'.repeat(24));
  });

  it('runs its saved pods while the coordinator is away, and joins once it appears', async () => {
    const [, , , node] = NODES as [string, string, string, string];
    const dir = await stateDir(node);
    await writeFile(join(dir, 'desired.json'), JSON.stringify(desiredState(node, 1, [testPod('saved')])));
    const port = await freePort();
    const running = agent(node, dir, { server: `http://127.0.0.1:${port}`, token: goodToken() });
    await waitForRunning(node, 'saved');
    await waitOn(running, 'a failed join attempt logged', () => running.output().includes('cannot join the coordinator yet'));
    expect(running.child.exitCode).toBeNull();
    expect(await readdir(dir)).not.toContain('credentials.json');

    const server = await coordinator(port);
    await waitOn(running, `node ${node} online once the coordinator is there`, () => lastStatus(node) === 'online', 30_000);
    expect(server.joins).toHaveLength(1);
    expect(JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8'))).toMatchObject({ node, username: `node.${node}` });
    // The pod kept running through it all: still the one container.
    await waitForRunning(node, 'saved');
  });
});
