import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { loadManifests, problemLines } from './manifest-files.js';

const pod = (name: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: main\n      image: busybox:1\n`;

let dir: string;
const noStdin = (): Promise<string> => Promise.reject(new Error('stdin not expected'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-manifest-files-'));
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'b.yml'), pod('b'));
  await writeFile(join(dir, 'app', 'a.yaml'), pod('a'));
  await writeFile(join(dir, 'app', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } }] }));
  await writeFile(join(dir, 'app', 'README.md'), '# not a manifest');
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'bad.yaml'), `${pod('ok')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadManifests', () => {
  it('reads a directory\'s manifests in name order and keeps each object as written', async () => {
    const loaded = await loadManifests([join(dir, 'app')], noStdin);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.objects.map((o) => [o.source, o.kind, o.name])).toEqual([
      [join(dir, 'app', 'a.yaml'), 'Pod', 'a'],
      [join(dir, 'app', 'b.yml'), 'Pod', 'b'],
      [join(dir, 'app', 'c.json'), 'Pod', 'c'],
    ]);
    // As written: no namespace, restartPolicy or imagePullPolicy filled in.
    expect(loaded.objects[0]?.object).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } });
  });

  it('reads stdin for -', async () => {
    const loaded = await loadManifests(['-'], () => Promise.resolve(pod('from-stdin')));
    expect(loaded.ok && loaded.objects.map((o) => [o.source, o.name])).toEqual([['<stdin>', 'from-stdin']]);
  });

  it('collects every problem of every file, each with its file', async () => {
    const bad = join(dir, 'bad.yaml');
    const loaded = await loadManifests([bad, join(dir, 'app', 'a.yaml'), join(dir, 'app', 'a.yaml')], noStdin);
    expect(loaded).toEqual({
      ok: false,
      problems: [
        `${bad}: document 2 (Pod "Bad_Name"): metadata.name: must consist of lowercase letters, digits, '-' and '.', and start and end with a letter or digit`,
        `${bad}: document 2 (Pod "Bad_Name"): spec.containers: must have at least one container`,
        `${join(dir, 'app', 'a.yaml')}: Pod/a also appears in ${join(dir, 'app', 'a.yaml')}`,
      ],
    });
  });

  it.each([
    [['nope.yaml'], /^cannot read .*nope\.yaml: no such file or directory$/],
    [['empty'], /empty: the directory has no \*\.yaml, \*\.yml or \*\.json files$/],
    [['-', '-'], /can be given only once/],
  ])('fails with one line for %j', async (paths, message) => {
    const promise = loadManifests(paths.map((p) => (p === '-' ? p : join(dir, p))), () => Promise.resolve(pod('x')));
    await expect(promise).rejects.toThrow(CliError);
    await expect(loadManifests(paths.map((p) => (p === '-' ? p : join(dir, p))), () => Promise.resolve(pod('x')))).rejects.toThrow(message);
  });
});

describe('problemLines', () => {
  it('ends with a count and what was not done', () => {
    expect(problemLines(['a: x'], 'nothing was applied')).toEqual(['a: x', 'error: 1 problem found; nothing was applied']);
    expect(problemLines(['a', 'b'], 'nothing was deleted').at(-1)).toBe('error: 2 problems found; nothing was deleted');
  });
});
