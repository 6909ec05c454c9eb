import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES } from '../../protocol/limits.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import { docker, removeNodeContainers, TEST_IMAGE } from '../support/docker.js';
import { runCli, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltAgent, startAgent, uniqueNode } from './agent-harness.js';
import { requireBuiltCli } from './cli-fixtures.js';
import { BrokerFixture, requireBuiltCoordinator, startCoordinator, type BrokerKind } from './coordinator-harness.js';

/**
 * Hostile input against the real programs: a built coordinator and agent on a real
 * broker get oversized, malformed, deeply nested, wrong-protocol and wrong-type messages
 * on every topic they read. Each is dropped with one warning naming the topic and the
 * reason (never the payload), both processes stay up, the pod keeps running, and valid
 * work afterwards still goes through. A pod's env value (a secret) shows in no log line
 * and in no message on the broker but the node's desired state. And `baton apply` of an
 * oversized manifest or a billion-laughs file fails at once with a clear error.
 */

const topics = new Topics();
const MARK = 'HOSTILE-PAYLOAD-MARK';

/** Every line a process writes, from its start (Running.output keeps only a tail). */
function captureOutput(running: Running): () => string {
  const chunks: string[] = [];
  running.child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  running.child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  return () => chunks.join('');
}

interface LogLine {
  level: number;
  msg: string;
  topic?: string;
  reason?: string;
}

function logLines(output: string): LogLine[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

const deep = '['.repeat(100_000) + ']'.repeat(100_000);

/** The bad payloads sent to every topic, with the reason each must be dropped for. */
function hostilePayloads(node: string): { what: string; payload: string | Buffer; reason: RegExp }[] {
  return [
    { what: 'oversized', payload: JSON.stringify({ protocol: 'v1', node, pad: MARK.repeat(300_000) }), reason: /^payload of \d+ bytes exceeds \d+$/ },
    { what: 'malformed', payload: `{"protocol":"v1","node":"${node}","mark":"${MARK}`, reason: /^not JSON: / },
    { what: 'binary', payload: Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22]), reason: /^not JSON: / },
    // In a field the schema reads: describing the wrong value once meant JSON.stringify, which overflowed and threw.
    { what: 'deeply nested', payload: `{"protocol":"v1","op":"cordon","node":${deep}}`, reason: /^nesting deeper than 64 at \$\.node\[0\]/ },
    { what: 'wrong protocol', payload: JSON.stringify({ protocol: 'v2', op: 'cordon', node, mark: MARK }), reason: /^protocol: unsupported value "v2": must be "v1"/ },
    { what: 'wrong type', payload: JSON.stringify({ protocol: 'v1', op: 'cordon', node: 42, mark: MARK }), reason: /node: must be a string, not 42/ },
  ];
}

function podManifest(name: string, secret?: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '    - name: main',
    `      image: ${TEST_IMAGE}`,
    '      imagePullPolicy: IfNotPresent',
    '      command: ["sleep", "3600"]',
    ...(secret === undefined ? [] : ['      env:', '        - name: API_TOKEN', `          value: "${secret}"`]),
    '',
  ].join('\n');
}

beforeAll(async () => {
  requireBuiltAgent();
  requireBuiltCoordinator();
  await requireBuiltCli();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.each<BrokerKind>(['embedded', 'mosquitto'])('hostile input, %s broker', (kind) => {
  it('drops every bad message with one warning, keeps running, and never shows an env value', async () => {
    const node = uniqueNode('hi');
    const dir = await mkdtemp(join(tmpdir(), 'baton-hostile-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const broker = new BrokerFixture(kind);
    await broker.start();
    cleanups.push(() => broker.stop());
    const coordinator = startCoordinator(broker, join(dir, 'coordinator'));
    const coordinatorOutput = captureOutput(coordinator);
    cleanups.push(() => coordinator.stop());
    await waitFor('the embedded broker to listen', async () => {
      const probe = new MqttLink({ url: broker.url, clientId: `probe-${randomBytes(3).toString('hex')}`, reconnect: false, connectTimeoutMs: 500 });
      try {
        await probe.start();
        return true;
      } catch {
        return false;
      } finally {
        await probe.stop();
      }
    });
    const agent = (await startAgent(broker.url, node, { stateDir: join(dir, 'agent') })).process;
    const agentOutput = captureOutput(agent);
    cleanups.push(async () => {
      await agent.stop('SIGKILL');
      await removeNodeContainers(node);
    });

    // Every message on the broker from here on, and a client to publish the bad ones.
    const link = new MqttLink({ url: broker.url, clientId: `hostile-${randomBytes(3).toString('hex')}`, reconnect: false });
    await link.start();
    cleanups.push(() => link.stop());
    const seen: { topic: string; payload: string }[] = [];
    await link.subscribe(`${topics.root}/#`, (topic, payload) => void seen.push({ topic, payload: payload.toString() }));

    const baton = (...args: string[]) => runCli(args, { env: { BATON_BROKER: broker.url, BATON_TIMEOUT: '10' } });
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const write = async (name: string, text: string): Promise<string> => {
      const file = join(dir, name);
      await writeFile(file, text);
      return file;
    };
    const running = async (pod: string): Promise<void> => {
      await waitFor(`pod ${pod} Running`, () => seen.some((m) => m.topic === topics.podStatus(node, pod) && m.payload.includes('"phase":"Running"')), { timeoutMs: 30_000 });
    };

    await waitFor(`node ${node} known to the coordinator`, async () => (await baton('get', 'nodes')).stdout.includes(node), { timeoutMs: 20_000 });
    const applied = await baton('apply', '-f', await write('secret.yaml', podManifest('keeper', secret)));
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    await running('keeper');
    const [containerBefore] = (await docker('ps', '-q', '--no-trunc', '--filter', `label=io.baton.node=${node}`, '--filter', 'label=io.baton.pod=keeper', '--filter', 'label=io.baton.container=main')).split('\n');
    expect(containerBefore).toMatch(/^[0-9a-f]{64}$/);
    // The secret did reach the container, and the desired state carries it: the search below can find it.
    expect(await docker('inspect', '--format', '{{json .Config.Env}}', containerBefore as string)).toContain(secret);

    const targets = [
      { topic: topics.nodeDesired(node), readers: [{ name: 'agent', output: agentOutput, msg: 'ignored an invalid desired state; pods keep running' }] },
      { topic: topics.nodeStatus(node), readers: [{ name: 'coordinator', output: coordinatorOutput, msg: 'dropped a bad node status' }] },
      {
        topic: topics.podStatus(node, 'keeper'),
        readers: [
          { name: 'coordinator', output: coordinatorOutput, msg: 'dropped a bad pod status' },
          { name: 'agent', output: agentOutput, msg: 'dropped a bad pod status' },
        ],
      },
      { topic: topics.coordinatorRequests(), readers: [{ name: 'coordinator', output: coordinatorOutput, msg: 'dropped a bad request' }] },
    ];
    const payloads = hostilePayloads(node);
    for (const { topic } of targets) {
      for (const { payload } of payloads) expect(await link.publish(topic, payload, { retain: false })).toBe(true);
    }

    for (const { topic, readers } of targets) {
      for (const reader of readers) {
        const drops = await waitFor(`${payloads.length} drops on ${topic} logged by the ${reader.name}`, () => {
          const lines = logLines(reader.output()).filter((l) => l.topic === topic && l.msg === reader.msg);
          return lines.length >= payloads.length ? lines : undefined;
        });
        // One warning per bad message, each with the reason it was dropped for.
        expect(drops).toHaveLength(payloads.length);
        for (const line of drops) expect(line.level).toBe(40);
        for (const { what, reason } of payloads) {
          expect(drops.filter((l) => reason.test(l.reason ?? '')), `${what} on ${topic} (${reader.name})`).not.toHaveLength(0);
        }
      }
    }
    expect(coordinatorOutput()).not.toContain(MARK);
    expect(agentOutput()).not.toContain(MARK);

    // Both still up; the pod's container untouched; the coordinator still answers and applies.
    expect(coordinator.child.exitCode).toBeNull();
    expect(agent.child.exitCode).toBeNull();
    expect(await docker('inspect', '--format', '{{.State.Running}}', containerBefore as string)).toBe('true');
    const second = await baton('apply', '-f', await write('second.yaml', podManifest('after')));
    expect(second.code).toBe(0);
    await running('after');
    const pods = await baton('get', 'pods');
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^keeper\s+1\/1\s+Running/m);
    expect(pods.stdout).toMatch(/^after\s+1\/1\s+Running/m);
    expect(await docker('ps', '-q', '--no-trunc', '--filter', `label=io.baton.node=${node}`, '--filter', 'label=io.baton.pod=keeper', '--filter', 'label=io.baton.container=main')).toBe(containerBefore);

    // The secret: in the desired state (the agent needs it) and the apply request, nowhere else.
    expect(seen.filter((m) => m.topic === topics.nodeDesired(node) && m.payload.includes(secret))).not.toHaveLength(0);
    const carriers = new Set([topics.nodeDesired(node), topics.coordinatorRequests()]);
    const leaks = seen.filter((m) => !carriers.has(m.topic) && !m.topic.includes('/clients/') && m.payload.includes(secret)).map((m) => m.topic);
    expect(leaks).toEqual([]);
    expect(seen.some((m) => m.topic === topics.nodeEvents(node))).toBe(true);
    expect(seen.some((m) => m.topic === topics.nodeStatus(node))).toBe(true);
    expect(coordinatorOutput()).not.toContain(secret);
    expect(agentOutput()).not.toContain(secret);
    expect(logLines(agentOutput()).some((l) => l.level === 20)).toBe(true); // debug lines were written, and searched
  }, 120_000);
});

describe('baton apply of hostile manifests', () => {
  it.each<[string, () => string, RegExp]>([
    ['an oversized file', () => `# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n${podManifest('big')}`, /: manifest of \d+ bytes exceeds 1048576; nothing was applied/],
    [
      'a billion laughs',
      () =>
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
          .concat('bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`))
          .join('\n'),
      /laughs\.yaml: document 1: Excessive alias count indicates a resource exhaustion attack/,
    ],
    ['100,000 nested brackets', () => deep, /deep\.yaml: nesting deeper than 64 \(line 1, column 64\)/],
  ])('refuses %s at once, exit 1', async (_what, text, error) => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-hostile-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, _what === 'an oversized file' ? 'big.yaml' : _what === 'a billion laughs' ? 'laughs.yaml' : 'deep.yaml');
    await writeFile(file, text());
    for (const args of [['apply', '-f', file], ['apply', '-f', '-']]) {
      const started = Date.now();
      const result = await runCli(args, { env: { BATON_BROKER: 'mqtt://127.0.0.1:9', BATON_TIMEOUT: '2' }, input: args[2] === '-' ? text() : '' });
      const elapsed = Date.now() - started;
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const expected = args[2] === '-' && _what === 'an oversized file' ? /<stdin>: manifest of \d+ bytes exceeds 1048576/ : args[2] === '-' ? new RegExp(error.source.replace(/^[a-z]+\\\.yaml/, '<stdin>')) : error;
      expect(result.stderr).toMatch(expected);
      expect(elapsed).toBeLessThan(5000);
    }
  });
});
