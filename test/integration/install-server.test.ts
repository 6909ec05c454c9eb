import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, readlink, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { repoRoot, startProgram, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { exitCode, removeDir, requireBuiltCoordinator, tempStateDir } from './coordinator-harness.js';

/**
 * The coordinator's install server, over real HTTP: what `curl ... /install.sh | sh` sees,
 * the binaries it hands out (and nothing else on the disk), and the real installer run
 * against it into a scratch root.
 */

const ARCHES = ['x64', 'arm64', 'armv7l'] as const;
const HERE_ARCH = process.arch === 'arm' ? 'armv7l' : process.arch;
const run = promisify(execFile);

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request exactly as written: no client-side path normalisation (fetch would drop the `..`). */
function http(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes one fake agent per arch, each also as .xz, and SHA256SUMS over them all, as build:binaries does. */
async function writeBinaries(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const arch of ARCHES) {
    const name = `baton-agent-linux-${arch}`;
    const bytes = Buffer.from(`fake baton-agent for ${arch} ${Math.random()}\n`);
    await writeFile(join(dir, name), bytes);
    await run('xz', ['-k', '-f', join(dir, name)]);
    files.set(name, bytes);
    files.set(`${name}.xz`, await readFile(join(dir, `${name}.xz`)));
  }
  await writeFile(join(dir, 'SHA256SUMS'), [...files].map(([name, bytes]) => `${sha256(bytes)}  ${name}\n`).join(''));
  return files;
}

let stateDir: string;
let binariesDir: string;
let scratch: string;
let files: Map<string, Buffer>;
let brokerPort: number;
let httpPort: number;
let coordinator: Running;

beforeAll(async () => {
  requireBuiltCoordinator();
  // The installer and the unit are built into the program: a build older than them serves old text.
  const built = (await stat(join(repoRoot, 'dist', 'baton-coordinator.js'))).mtimeMs;
  for (const source of ['scripts/install-agent.sh', 'systemd/baton-agent.service']) {
    if ((await stat(join(repoRoot, source))).mtimeMs > built) throw new Error(`${source} changed after dist/baton-coordinator.js was built: run npm run build first`);
  }
  stateDir = await tempStateDir();
  binariesDir = await tempStateDir();
  scratch = await tempStateDir();
  files = await writeBinaries(binariesDir);
  // A file beside the binaries that SHA256SUMS does not name: never served.
  await writeFile(join(binariesDir, 'notes.txt'), 'not a binary\n');
  brokerPort = await freePort();
  httpPort = await freePort();
  coordinator = startProgram('baton-coordinator', ['--listen', `127.0.0.1:${brokerPort}`, '--http', `127.0.0.1:${httpPort}`, '--binaries', binariesDir, '--state-dir', stateDir, '--log-level', 'debug']);
  await waitFor(`the coordinator to serve HTTP\n${coordinator.output()}`, () => coordinator.output().includes('"msg":"http listening"'));
});

afterAll(async () => {
  await coordinator?.stop();
  for (const dir of [stateDir, binariesDir, scratch]) if (dir) await removeDir(dir);
});

describe('baton-coordinator --http', () => {
  it('says where it listens and which binaries it has', () => {
    const line = coordinator.output().split('\n').find((l) => l.includes('"msg":"http listening"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ listen: `127.0.0.1:${httpPort}`, binariesDir, binaries: [...files.keys()] });
  });

  it('serves the installer with the server and broker filled in for the host that was asked', async () => {
    const script = (await readFile(join(repoRoot, 'scripts', 'install-agent.sh'), 'utf8'));
    const reply = await http(httpPort, '/install.sh');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/x-shellscript');
    expect(reply.body.toString()).toBe(
      script
        .replace(/^DEFAULT_SERVER=''$/m, `DEFAULT_SERVER='http://127.0.0.1:${httpPort}'`)
        .replace(/^DEFAULT_BROKER=''$/m, `DEFAULT_BROKER='mqtt://127.0.0.1:${brokerPort}'`),
    );
    const byName = (await http(httpPort, '/install.sh', { host: 'pi-hub.local:8484' })).body.toString();
    expect(byName).toMatch(/^DEFAULT_SERVER='http:\/\/pi-hub\.local:8484'$/m);
    expect(byName).toMatch(new RegExp(`^DEFAULT_BROKER='mqtt://pi-hub\\.local:${brokerPort}'$`, 'm'));
  });

  it.each([["pi'; reboot; '"], ['pi hub'], ['pi/x'], ['user@pi']])('refuses the Host header %j with 400', async (host) => {
    const reply = await http(httpPort, '/install.sh', { host });
    expect(reply.status).toBe(400);
    expect(reply.body.toString()).toMatch(/^bad Host header .*: expected a host name or an IP address with an optional port\n$/);
  });

  it("serves the agent's unit as it is in the repository", async () => {
    const reply = await http(httpPort, '/baton-agent.service');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(await readFile(join(repoRoot, 'systemd', 'baton-agent.service'), 'utf8'));
  });

  it('serves SHA256SUMS and every binary it names, with their length', async () => {
    const sums = await http(httpPort, '/binaries/SHA256SUMS');
    expect(sums.status).toBe(200);
    expect(sums.body.equals(await readFile(join(binariesDir, 'SHA256SUMS')))).toBe(true);
    for (const [name, bytes] of files) {
      const reply = await http(httpPort, `/binaries/${name}`);
      expect(reply.status, name).toBe(200);
      expect(reply.headers['content-type']).toBe('application/octet-stream');
      expect(reply.headers['content-length']).toBe(String(bytes.length));
      expect(reply.body.equals(bytes), name).toBe(true);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const name = `baton-agent-linux-${HERE_ARCH}`;
    const reply = await http(httpPort, `/binaries/${name}`, { method: 'HEAD' });
    expect(reply).toMatchObject({ status: 200, headers: { 'content-length': String(files.get(name)?.length) } });
    expect(reply.body.length).toBe(0);
    expect((await http(httpPort, '/install.sh', { method: 'HEAD' })).status).toBe(200);
  });

  it.each([
    ['/binaries/baton-agent-linux-riscv64', /^no binary baton-agent-linux-riscv64 in .*SHA256SUMS \(it lists: baton-agent-linux-x64, /],
    ['/binaries/notes.txt', /^no binary notes\.txt in /],
    ['/binaries/../package.json', /^not found: \/binaries\/\.\.\/package\.json \(this server has \/install\.sh, /],
    ['/binaries/..%2fpackage.json', /^not found: /],
    ['/binaries/..%2F..%2Fpackage.json', /^not found: /],
    ['/binaries/%2e%2e/package.json', /^not found: /],
    ['/binaries/%2e%2e%2fpackage.json', /^not found: /],
    ['/binaries/SHA256SUMS/../../package.json', /^not found: /],
    ['/../package.json', /^not found: /],
    ['/package.json', /^not found: /],
    ['/', /^not found: /],
  ])('answers 404 for %s, and serves nothing else from the disk', async (path, message) => {
    const reply = await http(httpPort, path);
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).toMatch(message);
    expect(reply.body.toString()).not.toContain('not a binary');
    expect(reply.body.toString()).not.toContain('"name": "baton"');
  });

  it('answers 405 for anything but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const reply = await http(httpPort, '/install.sh', { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
  });

  it('reads SHA256SUMS again when it changes, and says what to do when it is gone', async () => {
    const sumsPath = join(binariesDir, 'SHA256SUMS');
    const sums = await readFile(sumsPath, 'utf8');
    const extra = Buffer.from('another build\n');
    await writeFile(join(binariesDir, 'baton-agent-linux-x64.new'), extra);
    await writeFile(sumsPath, `${sums}${sha256(extra)}  baton-agent-linux-x64.new\n`);
    expect((await http(httpPort, '/binaries/baton-agent-linux-x64.new')).body.equals(extra)).toBe(true);

    await rename(sumsPath, `${sumsPath}.away`);
    try {
      for (const path of ['/binaries/SHA256SUMS', '/binaries/baton-agent-linux-x64']) {
        const reply = await http(httpPort, path);
        expect(reply.status).toBe(404);
        expect(reply.body.toString()).toBe(`no agent binaries in ${binariesDir}: run npm run build:binaries, or copy the binaries and their SHA256SUMS there\n`);
      }
    } finally {
      await rename(`${sumsPath}.away`, sumsPath);
    }
    expect((await http(httpPort, '/binaries/SHA256SUMS')).status).toBe(200);
  });

  it('streams a large binary without holding it in memory, and a client that hangs up leaks nothing', async () => {
    const name = 'baton-agent-linux-big';
    const path = join(binariesDir, name);
    await writeFile(path, '');
    await truncate(path, 256 * 1024 * 1024);
    const sums = await readFile(join(binariesDir, 'SHA256SUMS'), 'utf8');
    await writeFile(join(binariesDir, 'SHA256SUMS'), `${sums}${'0'.repeat(64)}  ${name}\n`);
    const peak = async (): Promise<number> => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${coordinator.pid}/status`, 'utf8'))?.[1]) * 1024;
    const before = await peak();

    const whole = await run('curl', ['-sf', '-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${httpPort}/binaries/${name}`]);
    expect(whole.stdout).toBe(String(256 * 1024 * 1024));
    expect((await peak()) - before).toBeLessThan(64 * 1024 * 1024);

    // Read a little, then hang up, several times.
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: httpPort, path: `/binaries/${name}`, agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
        req.end();
      });
    }
    const openOnBig = async (): Promise<number> => {
      const fds = await readdir(`/proc/${coordinator.pid}/fd`);
      const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${coordinator.pid}/fd/${fd}`).catch(() => '')));
      return targets.filter((target) => target === path).length;
    };
    await waitFor('the coordinator to close the file of every abandoned download', async () => (await openOnBig()) === 0, { timeoutMs: 5000 });
    expect((await http(httpPort, '/install.sh')).status).toBe(200);
    expect(coordinator.child.exitCode).toBeNull();
    expect((await stat(path)).size).toBe(256 * 1024 * 1024);
  });

  it(`is what curl ... /install.sh | sh runs: the agent, its config and its unit land in a scratch root`, async () => {
    const installer = spawn('sh', ['-c', `curl -sfL http://127.0.0.1:${httpPort}/install.sh | sh -s -- --token T --root ${scratch} --node pi-1`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    installer.stdout.on('data', (d: Buffer) => (output += d.toString()));
    installer.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const [code] = (await once(installer, 'exit')) as [number | null];
    expect(code, output).toBe(0);

    const program = join(scratch, 'usr/local/bin/baton-agent');
    expect((await readFile(program)).equals(files.get(`baton-agent-linux-${HERE_ARCH}`) ?? Buffer.alloc(0))).toBe(true);
    expect((await stat(program)).mode & 0o777).toBe(0o755);
    const config = join(scratch, 'etc/baton/agent.env');
    expect(await readFile(config, 'utf8')).toBe(`BATON_BROKER=mqtt://127.0.0.1:${brokerPort}\nBATON_NODE=pi-1\nBATON_SERVER=http://127.0.0.1:${httpPort}\nBATON_TOKEN=T\n`);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(scratch, 'etc/systemd/system/baton-agent.service'), 'utf8')).toBe(await readFile(join(repoRoot, 'systemd', 'baton-agent.service'), 'utf8'));
  });

  it('stops serving on SIGTERM, open connections and all, and exits 0', async () => {
    const open = request({ host: '127.0.0.1', port: httpPort, path: '/binaries/baton-agent-linux-big' });
    open.on('error', () => undefined);
    await new Promise<void>((resolve) => open.on('response', (res) => res.once('data', () => { res.pause(); resolve(); })).end());
    coordinator.child.kill('SIGTERM');
    expect(await exitCode(coordinator, 10_000)).toBe(0);
    await expect(http(httpPort, '/install.sh')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('baton-coordinator --http on a port already taken', () => {
  it('refuses to start with one line', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    const dir = await tempStateDir();
    try {
      const taken = startProgram('baton-coordinator', ['--listen', `127.0.0.1:${await freePort()}`, '--http', `127.0.0.1:${port}`, '--state-dir', dir]);
      expect(await exitCode(taken)).toBe(1);
      const lines = taken.output().split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
      expect(lines).toEqual([`baton-coordinator: cannot listen on 127.0.0.1:${port} for HTTP (--http): the address is already in use`]);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      await removeDir(dir);
    }
  });
});
