import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from './fake-runtime.js';
import { defineRuntimeContract } from './runtime-contract.js';
import { ExecTimeoutError } from './runtime.js';

const image = 'baton-test/busybox:1';
const runtime = new FakeRuntime({ images: [image] });

defineRuntimeContract(
  'fake',
  () => ({
    runtime,
    image,
    unpullableImage: '127.0.0.1:1/baton-test/absent:0',
    pullableImage: () => {
      const name = `registry.test/baton-test/pullable:${randomBytes(4).toString('hex')}`;
      runtime.allowPull(name);
      return Promise.resolve(name);
    },
    removeLabelled: async (key, value) => {
      for (const c of await runtime.listContainers({ key, value })) await runtime.removeContainer(c.id);
    },
    removeImage: () => Promise.resolve(), // the fake forgets with the test process
  }),
  { runsProcesses: false },
);

describe('FakeRuntime controls', () => {
  const spec = { name: 'web', image, labels: { app: 'web' }, command: ['sleep', '3600'], env: [], ports: [] };

  it('answers exec with the test\'s handler, and times it out like an engine', async () => {
    const fake = new FakeRuntime({ images: [image] });
    const id = await fake.createContainer(spec);
    await fake.startContainer(id);
    fake.execHandler = (_id, command) => ({ exitCode: command[0] === 'cat' ? 1 : 0, output: 'scripted' });
    expect(await fake.exec(id, ['cat', '/tmp/healthy'], 1_000)).toEqual({ exitCode: 1, output: 'scripted' });
    fake.execHandler = () => new Promise(() => undefined);
    await expect(fake.exec(id, ['hang'], 50)).rejects.toBeInstanceOf(ExecTimeoutError);
  });

  it('records what it cannot run: networks, mounts, devices; and can report an OOM kill', async () => {
    const fake = new FakeRuntime({ images: [image] });
    const owner = await fake.createContainer({ ...spec, name: 'sandbox', shareableIpc: true });
    const member = await fake.createContainer({
      ...spec,
      network: { mode: 'container', id: owner },
      ipcContainerId: owner,
      devices: [{ pathOnHost: '/dev/i2c-1', pathInContainer: '/dev/i2c-1', permissions: 'rw' }],
    });
    expect(fake.specOf(member)).toMatchObject({ network: { mode: 'container', id: owner }, ipcContainerId: owner, devices: [{ pathOnHost: '/dev/i2c-1' }] });
    await fake.startContainer(owner);
    await fake.startContainer(member);
    fake.exit(member, 137, { oomKilled: true });
    expect((await fake.listContainers({ key: 'app', value: 'web' })).find((c) => c.id === member)).toMatchObject({ state: 'exited', exitCode: 137, oomKilled: true });
  });

  it('holds pulls until released, and an abort ends a held pull', async () => {
    const fake = new FakeRuntime({ pullable: ['a:1'] });
    const release = fake.holdPulls();
    const abort = new AbortController();
    const aborted = fake.pullImage('a:1', { signal: abort.signal });
    const held = fake.pullImage('a:1');
    abort.abort();
    await expect(aborted).rejects.toThrow(/failed to pull image "a:1"/);
    expect(await fake.inspectImage('a:1')).toBeUndefined();
    release();
    await held;
    expect(await fake.inspectImage('a:1')).toBeDefined();
  });
});
