import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { runCli } from '../support/processes.js';
import { readRetained } from '../support/retained.js';
import { CoordinatorPeer } from './cli-peer.js';
import { freshPrefix, requireBuiltCli } from './cli-fixtures.js';

/** What the CLI says when the broker or the coordinator is not there: one line, fast, never a hang. */

let broker: Mosquitto;

beforeAll(async () => {
  await requireBuiltCli();
  broker = await startMosquitto();
});

afterAll(async () => {
  await broker?.stop();
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('baton without its peers', () => {
  it('says in one line that no broker answers, at once', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    for (const args of [['get', 'nodes'], ['get', 'pods'], ['delete', 'pod', 'x']]) {
      const { value: result, ms } = await timed(() => runCli(args, { env: { BATON_BROKER: url } }));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`error: cannot connect to the MQTT broker at ${url}: connection refused (is the broker running?)\n`);
      expect(ms).toBeLessThan(3000);
    }
  });

  it('says in one line that no coordinator replied within --timeout', async () => {
    const { value: result, ms } = await timed(() =>
      runCli(['get', 'deployments', '--timeout', '1'], { env: { BATON_BROKER: broker.url, BATON_PREFIX: freshPrefix() } }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: no reply from the coordinator within 1s (is baton-coordinator running and using the broker at ${broker.url}?)\n`,
    );
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(4000);
  });

  it('takes the timeout from BATON_TIMEOUT', async () => {
    const result = await runCli(['delete', 'deploy', 'web'], { env: { BATON_BROKER: broker.url, BATON_PREFIX: freshPrefix(), BATON_TIMEOUT: '0.5' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no reply from the coordinator within 0\.5s /);
  });

  it('fails at once when the coordinator\'s retained status says it is offline', async () => {
    const prefix = freshPrefix();
    const peer = new CoordinatorPeer(broker.url, prefix);
    await peer.start();
    try {
      await peer.retain(peer.topics.coordinatorStatus(), { protocol: 'v1', state: 'offline' });
      const { value: result, ms } = await timed(() =>
        runCli(['get', 'pods', '--timeout', '20'], { env: { BATON_BROKER: broker.url, BATON_PREFIX: prefix } }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: the coordinator is offline (its status on the broker at ${broker.url} says so; is baton-coordinator running?)\n`,
      );
      expect(ms).toBeLessThan(5000);
      // The failed request did not cut short the retained read: its marker is cleared.
      const left = await readRetained(broker.url, `${prefix}/v1/clients/+/sync`);
      expect([...left.keys()]).toEqual([]);
    } finally {
      await peer.stop();
    }
  });

  it('rejects bad usage with exit 2 and a pointer to --help', async () => {
    for (const args of [['frobnicate'], ['get'], ['get', 'widgets'], ['get', 'pods', '-o', 'xml'], ['apply'], ['delete', 'nodes'], ['token'], ['token', 'list', '--ttl', '1h'], ['get', 'pods', '--timeout', 'soon'], ['get', 'pods', '--nope']]) {
      const result = await runCli(args, { env: { BATON_BROKER: broker.url } });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^error: .+ \(see 'baton --help'\)\n$/);
    }
  });

  it('prints its version and usage', async () => {
    const version = await runCli(['--version']);
    expect(version.stdout).toBe(`baton 0.1.0 (protocol v1, ${process.arch})\n`);
    for (const verb of ['apply', 'get', 'delete']) {
      const help = await runCli([verb, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: baton ${verb}`);
      expect(help.stdout).toContain('--broker URL');
    }
  });
});
