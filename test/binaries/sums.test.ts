import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { arches, binDir, binFile, binFiles, run } from './binaries.js';

/** What a user downloads: every binary, its .xz, and sums that hold for both. */

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
}

async function listedSums(): Promise<Map<string, string>> {
  const text = await readFile(binFile('SHA256SUMS'), 'utf8');
  return new Map(text.trimEnd().split('\n').map((line) => {
    const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!match?.[1] || !match[2]) throw new Error(`SHA256SUMS: not a sha256sum line: ${JSON.stringify(line)}`);
    return [match[2], match[1]] as const;
  }));
}

describe('dist/bin', () => {
  it('holds the agent for every architecture, raw and xz', () => {
    for (const arch of arches) {
      binFile(`baton-agent-linux-${arch}`);
      binFile(`baton-agent-linux-${arch}.xz`);
    }
  });

  it('SHA256SUMS lists every binary in dist/bin, and sha256sum -c agrees with it', async () => {
    const sums = await listedSums();
    expect([...sums.keys()].sort()).toEqual(binFiles());
    const { stdout } = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: binDir });
    expect(stdout.trimEnd().split('\n').sort()).toEqual(binFiles().map((name) => `${name}: OK`).sort());
  });

  it('each .xz decompresses to its raw file', async () => {
    const sums = await listedSums();
    // The files are independent: decompressed side by side, one xz per core.
    await Promise.all(binFiles().filter((n) => n.endsWith('.xz')).map(async (name) => {
      const xz = spawn('xz', ['-dc', join(binDir, name)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<number | null>((resolve) => xz.once('exit', resolve));
      const decompressed = await sha256Of(xz.stdout);
      expect(await exited, `xz -d ${name}`).toBe(0);
      const raw = name.slice(0, -'.xz'.length);
      expect(decompressed, `${name} decompressed`).toBe(await sha256Of(createReadStream(binFile(raw))));
      expect(decompressed, `${raw} in SHA256SUMS`).toBe(sums.get(raw));
    }));
  });
});
