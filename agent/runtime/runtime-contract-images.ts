import { describe, expect, it } from 'vitest';
import { pauseRootfs } from '../sandbox/pause-image.js';
import { pauseArchOf } from '../sandbox/pause-elf.js';
import type { ContractContext } from './runtime-contract.js';
import { ImagePullError, type PullProgress } from './runtime.js';

/** The contract of pulls with progress and of images imported from a root filesystem. */
export function defineImageContract(ctx: ContractContext): void {
  const runtime = () => ctx.subject().runtime;

  describe('images', () => {
    it('a pull reports its progress, the last report with every layer done', async () => {
      const image = await ctx.subject().pullableImage();
      ctx.removeAfterwards(image);
      expect(await runtime().inspectImage(image)).toBeUndefined();
      const reports: PullProgress[] = [];
      await runtime().pullImage(image, { onProgress: (p) => reports.push(p) });
      expect(await runtime().inspectImage(image)).toBeDefined();
      expect(reports.length).toBeGreaterThanOrEqual(1);
      const last = reports.at(-1);
      expect(last?.layers).toBeGreaterThanOrEqual(1);
      expect(last?.layersDone).toBe(last?.layers);
      expect(last?.downloadedBytes).toBe(last?.totalBytes);
      for (const p of reports) {
        expect(p.layersDone).toBeLessThanOrEqual(p.layers);
        expect(p.downloadedBytes).toBeLessThanOrEqual(p.totalBytes);
      }
    });

    it('an aborted pull fails with ImagePullError and leaves no image', async () => {
      const image = await ctx.subject().pullableImage();
      ctx.removeAfterwards(image);
      const abort = new AbortController();
      abort.abort();
      await expect(runtime().pullImage(image, { signal: abort.signal })).rejects.toBeInstanceOf(ImagePullError);
      expect(await runtime().inspectImage(image)).toBeUndefined();
    });

    it('imports a root filesystem as an image a container runs from', async () => {
      const group = ctx.scope();
      const image = `baton-contract/imported:${group}`;
      ctx.removeAfterwards(image);
      await runtime().importImage(pauseRootfs(pauseArchOf(process.arch)), image, { 'io.baton.contract-image': group });
      expect((await runtime().inspectImage(image))?.id).toMatch(/^sha256:/);
      const id = await ctx.run(group, { image, command: ['/pause'] });
      const running = await ctx.find(group, id);
      expect(running?.state).toBe('running');
      expect(running?.labels['io.baton.contract-image']).toBe(group); // a container inherits its image's labels
    });
  });
}
