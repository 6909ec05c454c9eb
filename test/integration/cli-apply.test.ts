import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { runCli } from '../support/processes.js';
import { CoordinatorPeer } from './cli-peer.js';
import { freshPrefix, requireBuiltCli } from './cli-fixtures.js';

/** `baton apply` and `baton delete` against a real mosquitto, the test playing the coordinator. */

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: httpd
          image: baton-test/busybox:1
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
    - name: main
      image: baton-test/busybox:1
      command: [sleep, "3600"]
`;

const invalid = `apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
    - name: main
      colour: blue
`;

let broker: Mosquitto;
let dir: string;
let peer: CoordinatorPeer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireBuiltCli();
  broker = await startMosquitto();
  dir = await mkdtemp(join(tmpdir(), 'baton-cli-apply-'));
});

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const prefix = freshPrefix();
  peer = new CoordinatorPeer(broker.url, prefix);
  await peer.start();
  env = { BATON_BROKER: broker.url, BATON_PREFIX: prefix, BATON_TIMEOUT: '5' };
});

afterEach(async () => {
  await peer.stop();
});

function answerApply(): void {
  peer.answer = (request) => {
    if (request.op !== 'apply') return { ok: false, code: 'BadRequest', message: 'unexpected' };
    const results = request.objects.map((object, i) => {
      const { kind, metadata } = object as { kind: string; metadata: { name: string } };
      return { kind, name: metadata.name, action: (['created', 'configured', 'unchanged'] as const)[i % 3] ?? 'created' };
    });
    return { ok: true, result: { results } };
  };
}

describe('baton apply', () => {
  it('sends one request with the objects as written and prints what the coordinator did', async () => {
    answerApply();
    const file = join(dir, 'app.yaml');
    await writeFile(file, manifest);

    const result = await runCli(['apply', '-f', file], { env });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deployment.apps/web created\npod/solo configured\n');
    expect(peer.requests).toHaveLength(1);
    const request = peer.requests[0];
    if (request?.op !== 'apply') throw new Error(`expected an apply request, got ${JSON.stringify(request)}`);
    // Raw objects: exactly the documents of the file, with no defaults filled in.
    expect(request.objects).toEqual(manifest.split('---\n').map((doc) => parse(doc) as unknown));
    expect(request.replyTo).toMatch(new RegExp(`^${peer.topics.root}/clients/baton-cli-[0-9a-f]+/replies$`));
  });

  it('reads the manifest from stdin with -f -', async () => {
    answerApply();
    const result = await runCli(['apply', '-f', '-'], { env, input: manifest });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('deployment.apps/web created\npod/solo configured\n');
    expect(result.code).toBe(0);
  });

  it('applies every manifest of a directory in name order, in one request', async () => {
    answerApply();
    const sub = await mkdtemp(join(dir, 'dir-'));
    const [deployment, pod] = manifest.split('---\n');
    await writeFile(join(sub, 'b-pod.yml'), pod ?? '');
    await writeFile(join(sub, 'a-web.yaml'), deployment ?? '');
    await writeFile(join(sub, 'notes.txt'), 'not a manifest');

    const result = await runCli(['apply', '-f', sub], { env });

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('deployment.apps/web created\npod/solo configured\n');
    expect(peer.requests).toHaveLength(1);
  });

  it('sends nothing and prints every problem when a file is invalid', async () => {
    answerApply();
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    await writeFile(good, manifest);
    await writeFile(bad, invalid);

    const result = await runCli(['apply', '-f', good, '-f', bad], { env });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${bad}: document 1 (Pod "solo"): spec.containers[0].image: required`);
    expect(result.stderr).toContain(`${bad}: document 1 (Pod "solo"): spec.containers[0].colour: unknown field (not supported by Baton)`);
    expect(result.stderr).toMatch(/error: 2 problems found; nothing was applied\n$/);
    await peer.sync();
    expect(peer.requests).toEqual([]);
  });

  it('refuses the same object in two files', async () => {
    answerApply();
    const first = join(dir, 'first.yaml');
    const second = join(dir, 'second.yaml');
    await writeFile(first, manifest);
    await writeFile(second, manifest.split('---\n')[1] ?? '');

    const result = await runCli(['apply', '-f', first, '-f', second], { env });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${second}: Pod/solo also appears in ${first}\nerror: 1 problem found; nothing was applied\n`);
    await peer.sync();
    expect(peer.requests).toEqual([]);
  });

  it('prints YAML syntax errors with their line and sends nothing', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n');
    const result = await runCli(['apply', '-f', file], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${file}: line \\d+, column \\d+: `, 'm'));
    await peer.sync();
    expect(peer.requests).toEqual([]);
  });

  it('prints the details of an Invalid reply and exits 1', async () => {
    peer.answer = () => ({
      ok: false,
      code: 'Invalid',
      message: 'Deployment "web" is invalid',
      details: ['Deployment "web": spec.template.spec.containers[0].ports[0].hostPort: 80/TCP is already used by pod/solo'],
    });
    const file = join(dir, 'app.yaml');
    await writeFile(file, manifest);

    const result = await runCli(['apply', '-f', file], { env });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'Error from coordinator: Deployment "web" is invalid\n' +
        '  Deployment "web": spec.template.spec.containers[0].ports[0].hostPort: 80/TCP is already used by pod/solo\n',
    );
  });

  it('reports a missing file in one line', async () => {
    const result = await runCli(['apply', '-f', join(dir, 'nope.yaml')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: cannot read ${join(dir, 'nope.yaml')}: no such file or directory\n`);
  });
});

describe('baton delete', () => {
  it('deletes one object by kind alias and name', async () => {
    peer.answer = (request) => (request.op === 'delete' ? { ok: true, result: { kind: request.kind, name: request.name } } : undefined);

    const result = await runCli(['delete', 'deploy', 'web'], { env });

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('deployment.apps "web" deleted\n');
    expect(result.code).toBe(0);
    expect(peer.requests).toMatchObject([{ op: 'delete', kind: 'Deployment', name: 'web' }]);
  });

  it('reports an object that is not there and exits 1', async () => {
    peer.answer = () => ({ ok: false, code: 'NotFound', message: 'no such pod' });
    const result = await runCli(['delete', 'pod/ghost'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error from coordinator: pods "ghost" not found\n');
  });

  it('deletes every object of a file, reporting the ones not found', async () => {
    peer.answer = (request) => {
      if (request.op !== 'delete') return undefined;
      return request.kind === 'Pod'
        ? { ok: false, code: 'NotFound', message: 'not found' }
        : { ok: true, result: { kind: request.kind, name: request.name } };
    };
    const file = join(dir, 'delete.yaml');
    await writeFile(file, manifest);

    const result = await runCli(['delete', '-f', file], { env });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('deployment.apps "web" deleted\n');
    expect(result.stderr).toBe('Error from coordinator: pods "solo" not found\n');
    expect(peer.requests.map((r) => (r.op === 'delete' ? `${r.kind}/${r.name}` : r.op))).toEqual(['Deployment/web', 'Pod/solo']);
  });
});
