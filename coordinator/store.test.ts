import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, type CoordinatorState } from './state.js';
import { Store, StoreError } from './store.js';
import { deployment, pod } from './test-fixtures.js';

const made: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-store-test-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function sampleState(): CoordinatorState {
  return {
    ...emptyState(),
    deployments: { web: deployment('web', 2) },
    pods: { 'web-1': pod('web-1', { nodeName: 'n1', ownerUid: 'uid-web' }), solo: pod('solo') },
    nodes: { n1: { name: 'n1', uid: 'node-uid', creationTimestamp: '2025-01-01T00:00:00.000Z', generation: 7, podsHash: 'abc' } },
  };
}

describe('Store', () => {
  it('starts empty when there is no file, and writes nothing until there is something to keep', async () => {
    const dir = await tempDir();
    const store = new Store(dir);
    expect(await store.load()).toEqual(emptyState());
    expect(await store.save(emptyState())).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('round-trips the state through the file', async () => {
    const dir = await tempDir();
    const state = sampleState();
    expect(await new Store(dir).save(state)).toBe(true);
    const loaded = await new Store(dir).load();
    expect(loaded).toEqual(state);
  });

  it('keeps a cordoned node cordoned across a restart, and loads a store written before cordon existed', async () => {
    const dir = await tempDir();
    const cordoned = sampleState();
    cordoned.nodes.n1 = { ...cordoned.nodes.n1!, unschedulable: true };
    expect(await new Store(dir).save(cordoned)).toBe(true);
    expect((await new Store(dir).load()).nodes.n1?.unschedulable).toBe(true);

    // An older coordinator's file: node records without the field, read as schedulable.
    const old = new Store(dir);
    await writeFile(old.path, JSON.stringify(sampleState()));
    const loaded = await old.load();
    expect(loaded.nodes.n1).toEqual({ name: 'n1', uid: 'node-uid', creationTimestamp: '2025-01-01T00:00:00.000Z', generation: 7, podsHash: 'abc' });
    expect(await old.save(loaded)).toBe(false); // loading it rewrites nothing
    expect(await old.save({ ...loaded, nodes: { n1: { ...loaded.nodes.n1!, unschedulable: true } } })).toBe(true);
  });

  it('writes atomically: the file is replaced whole and no temporary file is left', async () => {
    const dir = await tempDir();
    const store = new Store(dir);
    await store.save(sampleState());
    const before = await stat(store.path);
    const next = { ...sampleState(), pods: {} };
    expect(await store.save(next)).toBe(true);
    const after = await stat(store.path);
    expect(after.ino).not.toBe(before.ino); // a new file renamed over the old one
    expect(await readdir(dir)).toEqual(['store.json']);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual(next);
  });

  it('writes only when the content changed, whatever the key order', async () => {
    const dir = await tempDir();
    const store = new Store(dir);
    await store.save(sampleState());
    const before = await stat(store.path);
    const reordered = Object.fromEntries(Object.entries(sampleState()).reverse()) as CoordinatorState;
    expect(await store.save(reordered)).toBe(false);
    expect((await stat(store.path)).ino).toBe(before.ino);

    // A freshly loaded store knows what is on disk and does not rewrite it either.
    const reloaded = new Store(dir);
    expect(await reloaded.save(await reloaded.load())).toBe(false);
    expect((await stat(store.path)).ino).toBe(before.ino);
  });

  it.each([
    ['not JSON', '{"format": "baton-coordinator-store", ', /is corrupt \(not valid JSON/],
    ['empty', '', /is corrupt \(not valid JSON/],
    ['the wrong shape', '{"format":"baton-coordinator-store","version":1,"deployments":[],"daemonSets":{},"pods":{},"nodes":{}}', /is invalid \(deployments: must be a record/],
    ['a newer version', '{"format":"baton-coordinator-store","version":2,"deployments":{},"daemonSets":{},"pods":{},"nodes":{}}', /is invalid \(version: unsupported value 2/],
    ['a pod filed under another name', JSON.stringify({ ...emptyState(), pods: { b: pod('a') } }), /pods\.b: holds an object named "a"/],
    ['a pod without a spec', JSON.stringify({ ...emptyState(), pods: { a: { metadata: pod('a').metadata } } }), /pods\.a\.spec: required/],
  ])('refuses a store that is %s, naming the file, and leaves it untouched', async (_what, content, problem) => {
    const dir = await tempDir();
    const store = new Store(dir);
    await writeFile(store.path, content);
    const error = await store.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(store.path);
    expect(message).toMatch(problem);
    expect(message).not.toContain('\n');
    expect(await readFile(store.path, 'utf8')).toBe(content);
    expect(await readdir(dir)).toEqual(['store.json']);
  });

  it('reports a store it cannot read', async () => {
    const dir = await tempDir();
    const store = new Store(dir);
    await mkdir(store.path); // a folder where the file should be: unreadable even for root
    await expect(store.load()).rejects.toThrow(new RegExp(`store file ${store.path} cannot be read: .*EISDIR`));
  });

  it('writes a state made of the objects last saved only if they were changed, and after a failed write writes it again', async () => {
    const dir = await tempDir();
    const store = new Store(dir);
    const state = sampleState();
    expect(await store.save(state)).toBe(true);
    expect(await store.save({ ...state, pods: { ...state.pods } })).toBe(false); // a copy holding the same pods
    const moved = { ...state, pods: { ...state.pods, solo: { ...state.pods.solo!, nodeName: 'n1' } } };
    expect(await store.save(moved)).toBe(true);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual(moved);
    await rm(dir, { recursive: true, force: true });
    await writeFile(dir, 'a file where the folder was');
    const next = { ...moved, pods: {} };
    await expect(store.save(next)).rejects.toThrow();
    await rm(dir, { force: true });
    expect(await store.save(next)).toBe(true);
  });
});
