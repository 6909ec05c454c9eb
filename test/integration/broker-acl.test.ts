import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../coordinator/auth/auth-store.js';
import { writeMosquittoConfig } from '../../coordinator/auth/mosquitto-config.js';
import { MOSQUITTO_FILES } from '../../coordinator/auth/mosquitto-files.js';
import { mosquittoGroupId, MosquittoSync } from '../../coordinator/auth/mosquitto-sync.js';
import { ensurePki, pkiDir } from '../../coordinator/auth/pki.js';
import { EmbeddedBroker } from '../../coordinator/embedded-broker.js';
import { Topics } from '../../protocol/topics.js';
import { freePort } from '../support/ports.js';
import { startProcess, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

/**
 * Who may publish and subscribe, on real brokers: the embedded aedes (EmbeddedBroker
 * with auth) and mosquitto running the files `mosquitto-config` writes. Each broker
 * kind runs twice: anonymous read off and on. A refused publish is asserted by a
 * subscriber with full rights not receiving it (and the retained message staying the
 * coordinator's); a refused subscribe by SUBACK 0x80 (aedes) or by nothing arriving
 * (mosquitto grants every SUBACK and checks each message on delivery).
 */

const topics = new Topics('baton');
const desiredA = topics.nodeDesired('pi-a');
const desiredB = topics.nodeDesired('pi-b');
const MARKER_TOPIC = `${topics.root}/test/marker`;

/** The return codes of a SUBACK; mqtt.js rejects a SUBACK with a failure, carrying the packet. */
async function subscribeCodes(client: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 })).map((grant) => grant.qos);
  } catch (error) {
    const granted = (error as { packet?: { granted?: unknown } }).packet?.granted;
    if (!Array.isArray(granted)) throw error;
    return granted.map((code) => (typeof code === 'number' ? code : (code as { qos: number }).qos));
  }
}

interface Who {
  username?: string;
  password?: string;
  clientId?: string;
}

interface BrokerUnderTest {
  kind: 'aedes' | 'mosquitto';
  /** Anonymous read off / on. */
  closedUrl: string;
  openUrl: string;
  tlsUrl: string;
  refusals(): string;
  stop(): Promise<void>;
}

let stateDir: string;
let store: AuthStore;
let ca: string;
const passwords: Record<'coordinator' | 'admin' | 'pi-a' | 'pi-b', string> = { coordinator: '', admin: '', 'pi-a': '', 'pi-b': '' };
const clients: MqttClient[] = [];

function whoIs(name: keyof typeof passwords, clientId?: string): Who {
  const username = name === 'coordinator' || name === 'admin' ? name : `node.${name}`;
  const id = clientId ?? (name === 'coordinator' ? 'baton-coordinator' : name === 'admin' ? `baton-cli-${Math.random().toString(16).slice(2, 10)}` : `baton-agent-${name}`);
  return { username, password: passwords[name], clientId: id };
}

async function connect(url: string, who: Who, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, { ...who, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...extra });
  clients.push(client);
  return client;
}

/** The CONNACK return code of a refused connect (5: not authorized). */
async function refusedWith(url: string, who: Who, extra: IClientOptions = {}): Promise<number> {
  try {
    const client = await connect(url, who, extra);
    client.end(true);
    return 0;
  } catch (error) {
    return Number((error as { code?: unknown }).code);
  }
}

/** A client with every right, recording what it receives. */
class Watcher {
  readonly seen: { topic: string; payload: string; retain: boolean }[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  }
  static async start(url: string, filter = '#'): Promise<Watcher> {
    const watcher = new Watcher(await connect(url, whoIs('coordinator', `baton-coordinator-w${Math.random().toString(16).slice(2, 8)}`)));
    await watcher.client.subscribeAsync([filter, MARKER_TOPIC], { qos: 1 });
    return watcher;
  }
  has(payload: string): boolean {
    return this.seen.some((message) => message.payload === payload);
  }
  /** Publishes a marker through the broker and waits for it: everything the broker handled before is delivered by then. */
  async flush(): Promise<void> {
    const marker = `marker-${Math.random()}`;
    await this.client.publishAsync(MARKER_TOPIC, marker, { qos: 1 });
    await waitFor('the marker', () => this.has(marker), { timeoutMs: 5_000, intervalMs: 20 });
  }
}

/** The retained message a fresh full-rights subscriber gets for `topic`. */
async function retainedOf(url: string, topic: string): Promise<string | undefined> {
  const watcher = await Watcher.start(url, topic);
  await watcher.flush();
  watcher.client.end(true);
  return watcher.seen.find((message) => message.topic === topic && message.retain)?.payload;
}

function unique(what: string): string {
  return `${what}-${Math.random().toString(16).slice(2)}`;
}

async function startAedes(): Promise<BrokerUnderTest> {
  const lines: string[] = [];
  const log = { warn: (fields: object, message: string) => void lines.push(JSON.stringify({ ...fields, msg: message })) };
  const pki = await ensurePki(pkiDir(stateDir));
  const auth = (anonymousRead: boolean) => ({ authenticate: store.authenticate.bind(store), anonymousRead, topics, log });
  const closed = new EmbeddedBroker('127.0.0.1', 0, { auth: auth(false), tls: { host: '127.0.0.1', port: 0, cert: pki.serverCertPem, key: pki.serverKeyPem } });
  const open = new EmbeddedBroker('127.0.0.1', 0, { auth: auth(true) });
  const closedAt = await closed.start();
  const openAt = await open.start();
  return {
    kind: 'aedes',
    closedUrl: `mqtt://127.0.0.1:${closedAt.port}`,
    openUrl: `mqtt://127.0.0.1:${openAt.port}`,
    tlsUrl: `mqtts://127.0.0.1:${closedAt.tls?.port}`,
    refusals: () => lines.join('\n'),
    stop: async () => {
      await Promise.all([closed.stop(), open.stop()]);
    },
  };
}

interface MosquittoRun {
  running: Running;
  dir: string;
  port: number;
  tlsPort: number;
}

async function runMosquitto(anonymousRead: boolean): Promise<MosquittoRun> {
  const [port, tlsPort] = [await freePort(), await freePort()];
  // mosquitto drops to its own user before reading the files: the folder must be open to it.
  const parent = await mkdtemp(join(tmpdir(), 'baton-mosquitto-acl-'));
  await chmod(parent, 0o755);
  const dir = join(parent, 'conf');
  await writeMosquittoConfig({ outDir: dir, stateDir, prefix: 'baton', tlsSans: [], anonymousRead, port, tlsPort });
  // The rendered listeners bind every address; the test keeps to loopback.
  // Refusals ("Denied PUBLISH") are logged at mosquitto's debug level.
  const config = `${(await readFile(join(dir, MOSQUITTO_FILES.config), 'utf8')).replace(/^listener (\d+)$/gm, 'listener $1 127.0.0.1')}\nlog_type all\n`;
  await writeFile(join(dir, 'test.conf'), config);
  const running = startProcess('mosquitto', ['-c', join(dir, 'test.conf')]);
  await waitFor(`mosquitto on ${port}\n${running.output()}`, () => running.output().includes(' running'), { timeoutMs: 10_000, intervalMs: 50 });
  return { running, dir, port, tlsPort };
}

let mosquittoClosed: MosquittoRun | undefined;

async function startMosquittoPair(): Promise<BrokerUnderTest> {
  const closed = await runMosquitto(false);
  const open = await runMosquitto(true);
  mosquittoClosed = closed;
  return {
    kind: 'mosquitto',
    closedUrl: `mqtt://127.0.0.1:${closed.port}`,
    openUrl: `mqtt://127.0.0.1:${open.port}`,
    tlsUrl: `mqtts://127.0.0.1:${closed.tlsPort}`,
    refusals: () => closed.running.output() + open.running.output(),
    stop: async () => {
      await Promise.all([closed.running.stop(), open.running.stop()]);
      await Promise.all([rm(join(closed.dir, '..'), { recursive: true, force: true }), rm(join(open.dir, '..'), { recursive: true, force: true })]);
    },
  };
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'baton-acl-state-'));
  store = await AuthStore.load({ stateDir });
  await store.ensureBootstrap({ broker: 'mqtt://127.0.0.1:1883' });
  passwords.coordinator = store.coordinatorPassword();
  passwords.admin = store.adminPassword();
  const token = await store.createToken({ ttlMs: null, description: 'acl test' });
  for (const node of ['pi-a', 'pi-b'] as const) {
    const joined = await store.join(node, `${token.id}.${token.secret}`);
    if (!joined.ok) throw new Error(`join ${node} refused`);
    passwords[node] = joined.password;
  }
  ca = (await ensurePki(pkiDir(stateDir))).caCertPem;
});

afterAll(async () => {
  for (const client of clients) client.end(true);
  await rm(stateDir, { recursive: true, force: true });
});

describe.each([
  ['aedes', startAedes],
  ['mosquitto', startMosquittoPair],
] as const)('on %s', (kind, start) => {
  let broker: BrokerUnderTest;
  let watcher: Watcher;
  const desiredPayload = { a: unique('desired-a'), b: unique('desired-b') };

  beforeAll(async () => {
    broker = await start();
    watcher = await Watcher.start(broker.closedUrl);
    const coordinator = await connect(broker.closedUrl, whoIs('coordinator'));
    await coordinator.publishAsync(desiredA, desiredPayload.a, { qos: 1, retain: true });
    await coordinator.publishAsync(desiredB, desiredPayload.b, { qos: 1, retain: true });
    const openCoordinator = await connect(broker.openUrl, whoIs('coordinator', 'baton-coordinator-open'));
    await openCoordinator.publishAsync(desiredA, desiredPayload.a, { qos: 1, retain: true });
    await openCoordinator.publishAsync(topics.nodeStatus('pi-b'), 'status-b', { qos: 1, retain: true });
  }, 30_000);

  afterAll(async () => {
    await broker?.stop();
  });

  /**
   * Publishes where `client` may not, then proves the broker handled it: mosquitto acks
   * and drops (the connection stays; an allowed marker sent after it arrives), aedes
   * closes the connection. Either way the full-rights watcher never sees the payload.
   */
  async function expectPublishDropped(client: MqttClient, topic: string, allowedTopic: string | undefined, retain = true): Promise<void> {
    const payload = unique('forged');
    client.publish(topic, payload, { qos: 1, retain });
    if (kind === 'mosquitto' && allowedTopic !== undefined) {
      const marker = unique('allowed');
      await client.publishAsync(allowedTopic, marker, { qos: 1 });
      await waitFor('the allowed publish after the refused one', () => watcher.has(marker), { timeoutMs: 5_000, intervalMs: 20 });
      expect(client.connected).toBe(true);
    } else if (kind === 'aedes') {
      await waitFor('aedes to close the connection of a refused publish', () => client.disconnected || !client.connected, { timeoutMs: 5_000, intervalMs: 20 });
    }
    await watcher.flush();
    expect(watcher.has(payload)).toBe(false);
  }

  /** Subscribes where `client` may not read: aedes answers SUBACK 0x80; mosquitto grants it and delivers nothing, retained or live. */
  async function expectNothingReadable(client: MqttClient, filter: string, allowedRetainedTopic: string | undefined, liveTopic: string): Promise<void> {
    const received: string[] = [];
    client.on('message', (topic) => received.push(topic));
    const codes = await subscribeCodes(client, filter);
    expect(codes).toEqual(kind === 'aedes' ? [128] : [1]);
    if (allowedRetainedTopic !== undefined) {
      // Retained messages come in subscription order: once the allowed one is here, a refused one would have been too.
      await client.subscribeAsync(allowedRetainedTopic, { qos: 1 });
      await waitFor('the allowed retained message', () => received.includes(allowedRetainedTopic), { timeoutMs: 5_000, intervalMs: 20 });
    }
    await watcher.client.publishAsync(liveTopic, unique('live'), { qos: 1 });
    await watcher.flush();
    expect(received.filter((topic) => topic !== allowedRetainedTopic)).toEqual([]);
  }

  it('refuses a wrong password, an unknown user and anonymous (read off) with CONNACK 5', async () => {
    expect(await refusedWith(broker.closedUrl, { ...whoIs('admin'), password: 'wrong' })).toBe(5);
    expect(await refusedWith(broker.closedUrl, { ...whoIs('pi-a'), password: passwords['pi-b'] })).toBe(5);
    expect(await refusedWith(broker.closedUrl, { username: 'node.pi-z', password: 'x', clientId: 'baton-agent-pi-z' })).toBe(5);
    expect(await refusedWith(broker.closedUrl, { clientId: 'curious' })).toBe(5);
    expect(await refusedWith(broker.closedUrl, whoIs('admin'))).toBe(0);
  });

  it("node A cannot publish to node B's topics nor to its own desired state; its own status goes through", async () => {
    const a = await connect(broker.closedUrl, whoIs('pi-a'));
    const ownStatus = unique('status-a');
    await a.publishAsync(topics.nodeStatus('pi-a'), ownStatus, { qos: 1, retain: true });
    await waitFor('A status', () => watcher.has(ownStatus), { timeoutMs: 5_000, intervalMs: 20 });
    await expectPublishDropped(a, topics.nodeStatus('pi-b'), topics.nodeEvents('pi-a'));
    const a2 = kind === 'aedes' ? await connect(broker.closedUrl, whoIs('pi-a')) : a;
    await expectPublishDropped(a2, desiredA, topics.nodeEvents('pi-a'));
    const a3 = kind === 'aedes' ? await connect(broker.closedUrl, whoIs('pi-a')) : a;
    await expectPublishDropped(a3, topics.coordinatorRequests(), topics.nodeEvents('pi-a'), false);
    expect(await retainedOf(broker.closedUrl, desiredA)).toBe(desiredPayload.a);
  });

  it("node A reads its own desired state, not node B's", async () => {
    const a = await connect(broker.closedUrl, whoIs('pi-a'));
    await expectNothingReadable(a, desiredB, desiredA, desiredB);
    const b = await connect(broker.closedUrl, whoIs('pi-b'));
    await expectNothingReadable(b, topics.nodeDesired('+'), desiredB, desiredA);
  });

  it('a node must connect as its own agent', async () => {
    const code = await refusedWith(broker.closedUrl, whoIs('pi-a', 'baton-agent-pi-b'));
    if (kind === 'aedes') {
      expect(code).toBe(5);
      expect(await refusedWith(broker.closedUrl, whoIs('admin', 'baton-agent-pi-b'))).toBe(5);
    } else {
      // mosquitto's files cannot bind a client id to a username: it admits the id; the ACL still holds.
      expect(code).toBe(0);
      const impostor = await connect(broker.closedUrl, whoIs('pi-a', 'baton-agent-pi-b'));
      await expectNothingReadable(impostor, desiredB, desiredA, desiredB);
    }
  });

  it("a will on another node's status is never published (aedes refuses it at connect; mosquitto drops it when due)", async () => {
    const forged = unique('forged-will');
    const will = { topic: topics.nodeStatus('pi-b'), payload: Buffer.from(forged), qos: 1 as const, retain: true };
    if (kind === 'aedes') {
      expect(await refusedWith(broker.closedUrl, whoIs('pi-a'), { will })).toBe(5);
    } else {
      const a = await connect(broker.closedUrl, whoIs('pi-a'), { will });
      a.stream.destroy(); // no DISCONNECT: the will is due
    }
    const own = unique('own-will');
    const b = await connect(broker.closedUrl, whoIs('pi-a'), { will: { ...will, topic: topics.nodeStatus('pi-a'), payload: Buffer.from(own) } });
    b.stream.destroy();
    await waitFor('the will on its own status', () => watcher.has(own), { timeoutMs: 5_000, intervalMs: 20 });
    await watcher.flush();
    expect(watcher.has(forged)).toBe(false);
  });

  it('admin sends requests and reads everything, but never writes a desired state', async () => {
    const admin = await connect(broker.closedUrl, whoIs('admin'));
    const request = unique('request');
    await admin.publishAsync(topics.coordinatorRequests(), request, { qos: 1 });
    await waitFor('the request', () => watcher.has(request), { timeoutMs: 5_000, intervalMs: 20 });
    const seen: string[] = [];
    admin.on('message', (_topic, payload) => seen.push(payload.toString()));
    expect(await subscribeCodes(admin, '#')).toEqual([1]);
    await waitFor('both desired states', () => seen.includes(desiredPayload.a) && seen.includes(desiredPayload.b), { timeoutMs: 5_000, intervalMs: 20 });
    await expectPublishDropped(admin, desiredB, topics.coordinatorRequests());
    expect(await retainedOf(broker.closedUrl, desiredB)).toBe(desiredPayload.b);
  });

  it('with anonymous read: anonymous reads statuses, never a desired state, and publishes nothing', async () => {
    const anonymous = await connect(broker.openUrl, { clientId: unique('viewer') });
    const statuses: string[] = [];
    anonymous.on('message', (topic, payload) => statuses.push(`${topic} ${payload.toString()}`));
    await anonymous.subscribeAsync(topics.allNodeStatuses(), { qos: 1 });
    await waitFor("pi-b's status", () => statuses.includes(`${topics.nodeStatus('pi-b')} status-b`), { timeoutMs: 5_000, intervalMs: 20 });
    const viewer = await connect(broker.openUrl, { clientId: unique('viewer') });
    await expectNothingReadable(viewer, desiredA, topics.nodeStatus('pi-b'), desiredA);
    const openWatcher = await Watcher.start(broker.openUrl);
    const payload = unique('anonymous-request');
    anonymous.publish(topics.coordinatorRequests(), payload, { qos: 1 });
    await openWatcher.flush();
    expect(openWatcher.has(payload)).toBe(false);
  });

  it('works over TLS with the pinned CA', async () => {
    const client = await connect(broker.tlsUrl, whoIs('admin'), { ca, rejectUnauthorized: true, servername: 'localhost' });
    expect(client.connected).toBe(true);
    expect(await refusedWith(broker.tlsUrl, { ...whoIs('admin'), password: 'wrong' }, { ca, servername: 'localhost' })).toBe(5);
  });

  it('says why it refused, never with the password', () => {
    const text = broker.refusals();
    for (const password of Object.values(passwords)) expect(text).not.toContain(password);
    if (kind === 'aedes') {
      const lines = text.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ username: 'node.pi-a', clientId: 'baton-agent-pi-a', topic: topics.nodeStatus('pi-b'), reason: expect.stringMatching(/^PublishNotAllowed/) }));
      expect(lines).toContainEqual(expect.objectContaining({ username: 'node.pi-a', topic: desiredB, reason: expect.stringMatching(/^SubscribeNotAllowed/) }));
      // The auth store refuses another node's client id itself (BadCredentials); the broker checks it again (ClientIdNotAllowed).
      expect(lines).toContainEqual(expect.objectContaining({ username: 'node.pi-a', clientId: 'baton-agent-pi-b', reason: expect.stringMatching(/^(BadCredentials|ClientIdNotAllowed)/) }));
      expect(lines).toContainEqual(expect.objectContaining({ username: 'admin', reason: 'BadCredentials' }));
      expect(lines).toContainEqual(expect.objectContaining({ username: null, reason: 'AnonymousNotAllowed' }));
    } else {
      expect(text).toContain(`Denied PUBLISH from baton-agent-pi-a`);
    }
  });

  if (kind === 'mosquitto') {
    it('takes a changed password file on SIGHUP (MosquittoSync); a client connected with a removed credential is disconnected', async () => {
      const run = mosquittoClosed;
      if (run === undefined) throw new Error('no mosquitto');
      const b = await connect(broker.closedUrl, whoIs('pi-b'));
      const closed = new Promise<void>((resolve) => b.once('close', () => resolve()));
      const oldB = passwords['pi-b'];
      expect(await store.removeNode('pi-b')).toBe(true);
      const lines: string[] = [];
      const sync = new MosquittoSync({
        dir: run.dir,
        reloadCommand: `kill -HUP ${run.running.pid}`,
        topics,
        acl: { anonymousRead: false },
        credentials: () => store.credentials(),
        log: { info: (_fields: object, message: string) => void lines.push(message), warn: (fields: object, message: string) => void lines.push(`${message} ${JSON.stringify(fields)}`) },
        gid: await mosquittoGroupId(),
      });
      await sync.sync();
      expect(lines).toEqual(['mosquitto files rewritten and reloaded']);
      await waitFor('the refusal of the removed credential', async () => (await refusedWith(broker.closedUrl, { ...whoIs('pi-b'), password: oldB })) === 5, { timeoutMs: 5_000, intervalMs: 100 });
      await closed;
      expect(await refusedWith(broker.closedUrl, whoIs('pi-a'))).toBe(0);
    });
  }
});
