import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_LABEL, type ContractContext } from './runtime-contract.js';
import { VolumeInUseError, type Mount } from './runtime.js';

/** The contract of named volumes (emptyDir), bind mounts (hostPath) and devices. */
export function defineStorageContract(ctx: ContractContext): void {
  const runtime = () => ctx.subject().runtime;

  async function sh(id: string, script: string): Promise<{ exitCode: number; output: string }> {
    return runtime().exec(id, ['sh', '-c', script], 5_000);
  }

  function volume(group: string, extra: Partial<Extract<Mount, { type: 'volume' }>> = {}): Extract<Mount, { type: 'volume' }> {
    return { type: 'volume', name: `baton-contract-${group}`, target: '/data', readOnly: false, labels: { [CONTRACT_LABEL]: group }, ...extra };
  }

  describe('storage', () => {
    it('a named volume is made with its labels on first use, shared, and removed once no container has it', async () => {
      const group = ctx.scope();
      const mount = volume(group);
      const writer = await ctx.run(group, { mounts: [mount] });
      const reader = await ctx.run(group, { mounts: [mount] });
      expect(await runtime().listVolumes({ key: CONTRACT_LABEL, value: group })).toEqual([{ name: mount.name, labels: expect.objectContaining(mount.labels) }]);
      if (ctx.runsProcesses) {
        expect(await sh(writer, 'echo shared > /data/file')).toMatchObject({ exitCode: 0 });
        expect(await sh(reader, 'cat /data/file')).toEqual({ exitCode: 0, output: 'shared\n' });
      }
      await expect(runtime().removeVolume(mount.name)).rejects.toBeInstanceOf(VolumeInUseError);
      await runtime().removeContainer(writer);
      await runtime().stopContainer(reader, 0);
      // A stopped container still holds its volumes.
      await expect(runtime().removeVolume(mount.name)).rejects.toBeInstanceOf(VolumeInUseError);
      await runtime().removeContainer(reader);
      await runtime().removeVolume(mount.name);
      expect(await runtime().listVolumes({ key: CONTRACT_LABEL, value: group })).toEqual([]);
      await runtime().removeVolume(mount.name);
    });

    it('a tmpfs volume and bind mounts are given to the container', async () => {
      const group = ctx.scope();
      const dir = await mkdtemp(join(tmpdir(), 'baton-contract-bind-'));
      try {
        await writeFile(join(dir, 'from-host'), 'host content\n');
        const id = await ctx.run(group, {
          mounts: [
            volume(group, { target: '/scratch', tmpfsBytes: 1024 * 1024 }),
            { type: 'bind', source: dir, target: '/ro', readOnly: true },
            { type: 'bind', source: dir, target: '/rw', readOnly: false },
          ],
        });
        expect((await ctx.find(group, id))?.state).toBe('running');
        if (ctx.runsProcesses) {
          expect((await sh(id, 'grep " /scratch " /proc/mounts')).output).toMatch(/^tmpfs \/scratch tmpfs \S*size=1024k/);
          expect(await sh(id, 'cat /ro/from-host')).toEqual({ exitCode: 0, output: 'host content\n' });
          expect((await sh(id, 'echo no > /ro/written')).exitCode).not.toBe(0);
          expect((await sh(id, 'echo yes > /rw/written')).exitCode).toBe(0);
          expect(await readFile(join(dir, 'written'), 'utf8')).toBe('yes\n');
        }
      } finally {
        await ctx.subject().removeLabelled(CONTRACT_LABEL, group); // before its bind source goes
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('a device of the host appears in the container under its new name', async () => {
      const group = ctx.scope();
      const id = await ctx.run(group, { devices: [{ pathOnHost: '/dev/zero', pathInContainer: '/dev/mydev', permissions: 'r' }] });
      expect((await ctx.find(group, id))?.state).toBe('running');
      if (ctx.runsProcesses) {
        expect(await sh(id, 'head -c 4 /dev/mydev | od -An -tx1')).toEqual({ exitCode: 0, output: ' 00 00 00 00\n' });
      }
    });
  });
}
