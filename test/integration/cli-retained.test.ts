import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../coordinator/embedded-broker.js';
import { encodePayload } from '../../protocol/codec.js';
import type { NodeStatus } from '../../protocol/messages.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { Topics } from '../../protocol/topics.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { runCli } from '../support/processes.js';
import { requireBuiltCli } from './cli-fixtures.js';

/**
 * `baton get nodes` must see every retained status, on both brokers Baton runs on, with
 * no fixed wait. With many retained messages the embedded aedes broker streams them
 * while it already handles the client's next packets, so this is where an incomplete
 * read would show.
 */

const NODES = 600;
const topics = new Topics();

function status(i: number): NodeStatus {
  const node = `n${String(i).padStart(4, '0')}`;
  return { protocol: 'v1', node, state: 'online', conditions: [{ type: 'Ready', status: 'True' }], labels: { filler: 'x'.repeat(60) } };
}

async function publishStatuses(url: string): Promise<void> {
  const link = new MqttLink({ url, clientId: `cli-retained-${process.pid}`, reconnect: false });
  await link.start();
  try {
    for (let i = 0; i < NODES; i++) await link.publish(topics.nodeStatus(status(i).node), encodePayload(status(i)), { retain: true });
  } finally {
    await link.stop();
  }
}

let aedes: EmbeddedBroker;
let aedesUrl: string;
let mosquitto: Mosquitto;

beforeAll(async () => {
  await requireBuiltCli();
  aedes = new EmbeddedBroker('127.0.0.1', await freePort());
  const { port } = await aedes.start();
  aedesUrl = `mqtt://127.0.0.1:${port}`;
  mosquitto = await startMosquitto();
  await publishStatuses(aedesUrl);
  await publishStatuses(mosquitto.url);
});

afterAll(async () => {
  await aedes?.stop();
  await mosquitto?.stop();
});

describe.each([
  ['the embedded aedes broker', () => aedesUrl],
  ['mosquitto', () => mosquitto.url],
])('baton get nodes on %s', (_name, url) => {
  it(`lists all ${NODES} retained node statuses, every time`, async () => {
    for (let run = 0; run < 3; run++) {
      const result = await runCli(['get', 'nodes'], { env: { BATON_BROKER: url() } });
      expect(result.stderr).toBe('');
      const rows = result.stdout.trimEnd().split('\n').slice(1);
      expect(rows).toHaveLength(NODES);
      expect(rows[0]).toMatch(/^n0000\s+Ready\s/);
      expect(rows.at(-1)).toMatch(new RegExp(`^n${String(NODES - 1).padStart(4, '0')}\\s+Ready\\s`));
    }
  });

  it('leaves no retained marker behind', async () => {
    await runCli(['get', 'nodes'], { env: { BATON_BROKER: url() } });
    const link = new MqttLink({ url: url(), clientId: `cli-retained-check-${process.pid}`, reconnect: false });
    await link.start();
    const seen: string[] = [];
    const marker = `${topics.root}/cli-retained-check/done`;
    try {
      // The same technique as the CLI: a retained marker, subscribed to after the clients'
      // topics in one SUBSCRIBE, so anything retained there arrives before it.
      await link.publish(marker, 'x', { retain: true });
      await new Promise<void>((resolve) => {
        void link.subscribeAll([`${topics.root}/clients/#`, marker], (topic, payload) => {
          if (topic === marker) resolve();
          else if (payload.length > 0) seen.push(topic);
        });
      });
      await link.publish(marker, '', { retain: true });
    } finally {
      await link.stop();
    }
    expect(seen).toEqual([]);
  });
});
