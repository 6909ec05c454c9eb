import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootfsTar } from '../../agent/sandbox/rootfs-tar.js';
import { docker, TEST_IMAGE } from './docker.js';
import { freePort } from './ports.js';
import { startProcess, type Running } from './processes.js';
import { waitFor } from './wait.js';

/**
 * A real image registry for pull tests: Debian's docker-registry on 127.0.0.1 (Docker
 * pulls from loopback registries without TLS), its storage in a temporary directory.
 */
export interface Registry {
  /** `127.0.0.1:PORT`, the prefix of image names in this registry. */
  readonly host: string;
  readonly process: Running;
  /** Stops the registry and removes its storage. */
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<Registry> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'baton-registry-'));
  const config = join(dir, 'config.yml');
  await writeFile(config, ['version: 0.1', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const process = startProcess('docker-registry', ['serve', config]);
  const host = `127.0.0.1:${port}`;
  await waitFor(`the registry on ${host}`, async () => (await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok);
  return {
    host,
    process,
    async stop() {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes an image whose one layer exists nowhere else (random bytes of `size`), pushes it
 * to the registry as `REPOSITORY:random-tag` and removes it from the engine: a pull of the
 * returned name really downloads. The caller removes the pulled image afterwards.
 */
export async function pushFreshImage(registry: Registry, repository: string, size = 256 * 1024): Promise<string> {
  const image = `${registry.host}/${repository}:${randomBytes(4).toString('hex')}`;
  const tar = rootfsTar([{ name: 'payload', mode: 0o644, content: randomBytes(size) }]);
  const child = spawn('docker', ['import', '-', image], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(tar);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`docker import ${image} failed: ${stderr}`);
  await docker('push', image);
  await docker('rmi', image);
  return image;
}

/**
 * Pushes a runnable image (the test image's busybox, PATH=/bin) of two layers that exist
 * nowhere else: the busybox root with a random salt, and `payloadBytes` of random data
 * (incompressible, so the pull really moves that much). Pushed as `REPOSITORY:tag`
 * (random unless given) and removed from the engine; the caller removes pulled copies.
 */
export async function pushRunnableImage(registry: Registry, repository: string, payloadBytes: number, tag = randomBytes(4).toString('hex')): Promise<string> {
  const image = `${registry.host}/${repository}:${tag}`;
  const stage = `baton-test/stage:${randomBytes(6).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'baton-image-'));
  const containers: string[] = [];
  try {
    await writeFile(join(dir, 'salt'), randomBytes(16));
    await writeFile(join(dir, 'payload'), randomBytes(payloadBytes));
    const base = await docker('create', TEST_IMAGE);
    containers.push(base);
    await docker('cp', join(dir, 'salt'), `${base}:/salt`);
    await pipeDocker(['export', base], ['import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["/bin/sh"]', '-', stage]);
    const top = await docker('create', stage);
    containers.push(top);
    await docker('cp', join(dir, 'payload'), `${top}:/payload`);
    await docker('commit', top, image);
    await docker('push', image);
  } finally {
    if (containers.length > 0) await docker('rm', '-f', ...containers);
    await docker('rmi', '-f', image, stage).catch(() => '');
    await rm(dir, { recursive: true, force: true });
  }
  return image;
}

/**
 * Gives `image` (`HOST/REPOSITORY:TAG`, already in the registry) the tag `tag` too, as the
 * last step of a push does: its manifest put under the new tag. The layers are there
 * already, so the image appears under the new name at once.
 */
export async function tagInRegistry(registry: Registry, image: string, tag: string): Promise<void> {
  const colon = image.lastIndexOf(':');
  if (!image.startsWith(`${registry.host}/`) || colon <= registry.host.length) throw new Error(`${image} is not an image of the registry at ${registry.host}`);
  const manifests = `http://${registry.host}/v2/${image.slice(registry.host.length + 1, colon)}/manifests`;
  const schema2 = 'application/vnd.docker.distribution.manifest.v2+json';
  const got = await fetch(`${manifests}/${image.slice(colon + 1)}`, { headers: { Accept: schema2 } });
  if (!got.ok) throw new Error(`GET the manifest of ${image}: HTTP ${got.status}`);
  const put = await fetch(`${manifests}/${tag}`, { method: 'PUT', headers: { 'Content-Type': got.headers.get('content-type') ?? schema2 }, body: await got.arrayBuffer() });
  if (put.status !== 201) throw new Error(`PUT the manifest of ${image} as ${tag}: HTTP ${put.status} ${await put.text()}`);
}

/** `docker FROM... | docker TO...`; rejects with the second command's error output. */
async function pipeDocker(from: string[], to: string[]): Promise<void> {
  const source = spawn('docker', from, { stdio: ['ignore', 'pipe', 'ignore'] });
  const sink = spawn('docker', to, { stdio: ['pipe', 'ignore', 'pipe'] });
  source.stdout.pipe(sink.stdin);
  let stderr = '';
  sink.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [[sourceCode], [sinkCode]] = (await Promise.all([once(source, 'exit'), once(sink, 'exit')])) as [[number | null], [number | null]];
  if (sourceCode !== 0 || sinkCode !== 0) throw new Error(`docker ${from.join(' ')} | docker ${to.join(' ')} failed: ${stderr}`);
}
