import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../protocol/log.js';
import { acceptDesired, DesiredStore } from './desired-store.js';
import { desired, NODE, pod } from './testing/fixtures.js';

const log = createLogger('test', 'silent');

async function store(): Promise<{ dir: string; store: DesiredStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-desired-'));
  return { dir, store: new DesiredStore(dir, NODE, log) };
}

const payload = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('acceptDesired', () => {
  it.each([
    ['nothing held', undefined, 3, true],
    ['a newer generation', 2, 3, true],
    ['the same generation', 3, 3, false],
    ['an older generation', 4, 3, false],
  ] as const)('%s: accepted=%s', (_what, held, incoming, accepted) => {
    const result = acceptDesired(held === undefined ? undefined : desired([], held), desired([], incoming), NODE);
    expect(result.accepted).toBe(accepted);
  });

  it('says when the offer is an older generation, with both generations', () => {
    expect(acceptDesired(desired([], 4), desired([], 3), NODE)).toMatchObject({ accepted: false, isInvalid: false, older: { offered: 3, held: 4 } });
    expect(acceptDesired(desired([], 3), desired([], 3), NODE)).not.toHaveProperty('older');
  });

  it('refuses a desired state for another node as invalid', () => {
    expect(acceptDesired(undefined, { ...desired([]), node: 'pi-2' }, NODE)).toMatchObject({ accepted: false, isInvalid: true });
  });
});

describe('DesiredStore', () => {
  it('starts empty without a file, and saves a newer generation atomically', async () => {
    const { dir, store: s } = await store();
    await s.load();
    expect(s.current).toBeUndefined();
    expect(s.offer(payload(desired([pod('web')], 1)))).toMatchObject({ accepted: true });
    await s.flushed();
    expect(JSON.parse(await readFile(join(dir, 'desired.json'), 'utf8'))).toMatchObject({ generation: 1, pods: [{ name: 'web' }] });
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writes only when the generation changes', async () => {
    const { dir, store: s } = await store();
    s.offer(payload(desired([pod('web')], 1)));
    await s.flushed();
    // Every write renames a new file into place, so an unchanged inode means no write.
    const written = (await stat(join(dir, 'desired.json'))).ino;
    expect(s.offer(payload(desired([pod('web')], 1)))).toMatchObject({ accepted: false, isInvalid: false });
    expect(s.offer(payload(desired([], 0)))).toMatchObject({ accepted: false, isInvalid: false });
    await s.flushed();
    expect((await stat(join(dir, 'desired.json'))).ino).toBe(written);
    expect(s.current?.generation).toBe(1);
  });

  it('reports garbage and invalid payloads with a reason, keeping the held state', async () => {
    const { store: s } = await store();
    s.offer(payload(desired([pod('web')], 1)));
    expect(s.offer(Buffer.from('{ nope'))).toMatchObject({ accepted: false, isInvalid: true, reason: expect.stringContaining('not JSON') });
    expect(s.offer(payload({ protocol: 'v1', node: NODE, generation: 2, pods: [{ name: 'Bad Name' }] }))).toMatchObject({ accepted: false, isInvalid: true, reason: expect.stringContaining('pods[0]') });
    expect(s.offer(Buffer.alloc(0))).toMatchObject({ accepted: false, isInvalid: false });
    expect(s.current?.generation).toBe(1);
  });

  it('loads the saved state at start', async () => {
    const { dir, store: s } = await store();
    s.offer(payload(desired([pod('web')], 7)));
    await s.flushed();
    const again = new DesiredStore(dir, NODE, log);
    await again.load();
    expect(again.current).toMatchObject({ generation: 7, pods: [{ name: 'web' }] });
  });

  it('moves a corrupt file aside, as it was, and starts empty', async () => {
    const { dir, store: s } = await store();
    await writeFile(join(dir, 'desired.json'), '{"protocol":"v1", trunc');
    await s.load();
    expect(s.current).toBeUndefined();
    const files = await readdir(dir);
    const aside = files.find((f) => f.startsWith('desired.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(await readFile(join(dir, aside ?? ''), 'utf8')).toBe('{"protocol":"v1", trunc');
    expect(files).not.toContain('desired.json');
  });

  it('removes the temporary file of a write cut short, keeping the saved state', async () => {
    const { dir, store: s } = await store();
    s.offer(payload(desired([pod('web')], 2)));
    await s.flushed();
    await writeFile(join(dir, 'desired.json.tmp-4242'), '{"protocol":"v1","node":');
    const again = new DesiredStore(dir, NODE, log);
    await again.load();
    expect(again.current?.generation).toBe(2);
    expect(await readdir(dir)).toEqual(['desired.json']);
  });

  it('does not run another node\'s saved state', async () => {
    const { dir, store: s } = await store();
    await writeFile(join(dir, 'desired.json'), JSON.stringify({ ...desired([pod('web')], 1), node: 'pi-2' }));
    await s.load();
    expect(s.current).toBeUndefined();
  });
});
