import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BATON_VERSION } from '../../protocol/version.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { ensurePauseImage, PAUSE_IMAGE, PAUSE_IMAGE_LABEL, pauseRootfs } from './pause-image.js';

const run = promisify(execFile);

describe('pause image', () => {
  it('is a rootfs holding only an executable /pause', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-pause-rootfs-'));
    try {
      await writeFile(join(dir, 'rootfs.tar'), pauseRootfs('aarch64'));
      const { stdout } = await run('tar', ['-tvf', join(dir, 'rootfs.tar')]);
      expect(stdout.trim().split('\n').map((l) => [l.split(/\s+/)[0], l.split(/\s+/).at(-1)])).toEqual([['-rwxr-xr-x', 'pause']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is imported, labelled with the version, only when absent', async () => {
    const runtime = new FakeRuntime();
    expect(PAUSE_IMAGE).toBe(`baton/pause:${BATON_VERSION}`);
    expect(await ensurePauseImage(runtime, 'x86_64')).toBe(PAUSE_IMAGE);
    expect(await runtime.inspectImage(PAUSE_IMAGE)).toBeDefined();
    expect(runtime.labelsOfImage(PAUSE_IMAGE)).toEqual({ [PAUSE_IMAGE_LABEL]: BATON_VERSION });
    await ensurePauseImage(runtime, 'x86_64');
    expect(runtime.calls.filter((c) => c.startsWith('import'))).toEqual([`import ${PAUSE_IMAGE}`]);
  });
});
