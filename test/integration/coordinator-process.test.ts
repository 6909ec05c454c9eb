import { createServer, type Server } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  BrokerFixture,
  deploymentManifest,
  exitCode,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  tempStateDir,
  TestClient,
} from './coordinator-harness.js';

/** The coordinator as a program: flags, errors a user sees, and life with a broker that restarts. */

beforeAll(() => requireBuiltCoordinator());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const running = startProgram('baton-coordinator', args, env);
  cleanups.push(() => running.stop());
  return running;
}

/** What the program wrote that is not a JSON log line: what a person reads on stderr. */
function humanLines(running: Running): string[] {
  return running.output().split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
}

describe('baton-coordinator, the program', () => {
  it('prints its version and help', async () => {
    const version = run(['--version']);
    expect(await exitCode(version)).toBe(0);
    expect(version.output()).toMatch(/^baton-coordinator \d+\.\d+\.\d+ \(protocol v1, \w+\)\n$/);
    const help = run(['--help']);
    expect(await exitCode(help)).toBe(0);
    for (const flag of ['--listen HOST:PORT', '--broker URL', '--state-dir DIR', '--prefix P', '--log-level L', 'BATON_LISTEN', 'BATON_STATE_DIR']) {
      expect(help.output()).toContain(flag);
    }
  });

  it('rejects wrong usage with one line and exit code 2', async () => {
    const both = run(['--listen', '127.0.0.1:1', '--broker', 'mqtt://127.0.0.1:1']);
    expect(await exitCode(both)).toBe(2);
    expect(humanLines(both)).toEqual([expect.stringMatching(/^baton-coordinator: give either --listen .* or --broker .*; see baton-coordinator --help$/)]);
    const badListen = run(['--listen', 'everywhere']);
    expect(await exitCode(badListen)).toBe(2);
    expect(humanLines(badListen)).toEqual([expect.stringContaining('--listen "everywhere": expected HOST:PORT')]);
  });

  it('uses BATON_BROKER from an env file under a unit that sets BATON_LISTEN (no embedded broker)', async () => {
    const mosquitto = await startMosquitto();
    cleanups.push(() => mosquitto.stop());
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const unusedPort = await freePort();
    const client = new TestClient(mosquitto.url);
    await client.start();
    cleanups.push(() => client.stop());
    const coordinator = run([], { BATON_LISTEN: `127.0.0.1:${unusedPort}`, BATON_BROKER: mosquitto.url, BATON_STATE_DIR: stateDir });
    await client.waitForCoordinator();
    expect(coordinator.child.exitCode).toBeNull();
    expect(coordinator.output()).toContain(`BATON_LISTEN=127.0.0.1:${unusedPort} ignored`);
    expect(coordinator.output()).not.toContain('embedded MQTT broker listening');
  });

  it('fails with one line when its listen address is taken', async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const coordinator = run(['--listen', `127.0.0.1:${port}`, '--state-dir', stateDir]);
    expect(await exitCode(coordinator)).toBe(1);
    expect(humanLines(coordinator)).toEqual([`baton-coordinator: cannot listen on 127.0.0.1:${port}: the address is already in use`]);
  });

  it('fails with one line when its state directory cannot be used', async () => {
    const dir = await tempStateDir();
    cleanups.push(() => removeDir(dir));
    const notADir = join(dir, 'file');
    await writeFile(notADir, 'x');
    const coordinator = run(['--listen', `127.0.0.1:${await freePort()}`, '--state-dir', notADir]);
    expect(await exitCode(coordinator)).toBe(1);
    expect(humanLines(coordinator)).toEqual([expect.stringMatching(new RegExp(`^baton-coordinator: cannot use the state directory ${notADir}: `))]);
  });

  it('republishes its status and every desired state, same generation, when the broker comes back empty', async () => {
    let mosquitto: Mosquitto = await startMosquitto();
    const port = mosquitto.port;
    cleanups.push(() => mosquitto.stop());
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const client = new TestClient(mosquitto.url);
    await client.start();
    cleanups.push(() => client.stop());
    const coordinator = run(['--broker', mosquitto.url, '--state-dir', stateDir]);
    await client.waitForCoordinator();
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 2)] });
    const before = await waitFor('2 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 2 ? d : undefined; });

    // A broker without persistence loses every retained message when it restarts.
    await mosquitto.stop();
    client.forgetDesired('node-a');
    mosquitto = await startMosquitto({ port });
    const fresh = new TestClient(mosquitto.url);
    await fresh.start();
    cleanups.push(() => fresh.stop());
    await fresh.waitForCoordinator();
    const after = await waitFor('node-a desired republished', () => fresh.desired('node-a'), { timeoutMs: 15_000 });
    expect(after).toEqual(before);
    expect(coordinator.child.exitCode).toBeNull();
  });

  it('survives being killed: its last will says offline, and it comes back with the same state', async () => {
    const mosquitto = await startMosquitto();
    cleanups.push(() => mosquitto.stop());
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const client = new TestClient(mosquitto.url);
    await client.start();
    cleanups.push(() => client.stop());
    const first = run(['--broker', mosquitto.url, '--state-dir', stateDir]);
    await client.waitForCoordinator();
    await client.setNode(fakeNodeStatus('node-a'));
    await client.request({ op: 'apply', objects: [deploymentManifest('web', 3)] });
    const before = await waitFor('3 pods', () => { const d = client.desired('node-a'); return d?.pods.length === 3 ? d : undefined; });

    await first.stop('SIGKILL');
    await waitFor('the last will', () => client.message(client.topics.coordinatorStatus())?.includes('"offline"'), { timeoutMs: 30_000 });
    run(['--broker', mosquitto.url, '--state-dir', stateDir]);
    await client.waitForCoordinator();
    const pods = await client.list('pods');
    expect(pods.map((p) => [p.metadata.name, p.metadata.uid]).sort()).toEqual(before.pods.map((p) => [p.name, p.uid]).sort());
    expect(client.desired('node-a')).toEqual(before);
  });

  it('keeps the prefix it is given', async () => {
    const broker = new BrokerFixture('embedded');
    await broker.start();
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    broker.prepareStateDir(stateDir);
    run([...broker.coordinatorArgs(), '--state-dir', stateDir], { BATON_PREFIX: 'lab' });
    const client = new TestClient(broker.url, 'lab');
    await client.start();
    cleanups.push(() => client.stop());
    await client.waitForCoordinator();
    expect(client.topics.coordinatorStatus()).toBe('lab/v1/coordinator/status');
    const reply = await client.request({ op: 'list', kind: 'pods' });
    expect(reply).toMatchObject({ ok: true, result: { items: [] } });
  });
});
