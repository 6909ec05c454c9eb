import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import type { ContractContext } from './runtime-contract.js';
import { ContainerCreateError, ContainerStartError } from './runtime.js';

/** The contract of shared namespaces (a pod's containers on one network and IPC) and of memory limits. */
export function defineNamespaceContract(ctx: ContractContext): void {
  const runtime = () => ctx.subject().runtime;

  async function namespaceOf(id: string, kind: 'net' | 'ipc'): Promise<string> {
    const { exitCode, output } = await runtime().exec(id, ['readlink', `/proc/self/ns/${kind}`], 5_000);
    expect(exitCode).toBe(0);
    return output.trim();
  }

  describe('namespaces and limits', () => {
    it('a container joined to another one\'s network and IPC reaches its server on localhost', async () => {
      const group = ctx.scope();
      const owner = await ctx.run(group, { command: ['httpd', '-f', '-p', '127.0.0.1:8080', '-h', '/var/www'], shareableIpc: true });
      const member = await ctx.run(group, { network: { mode: 'container', id: owner }, ipcContainerId: owner });
      const listed = await ctx.find(group, member);
      expect(listed?.state).toBe('running');
      expect(listed?.ip).toBeUndefined(); // the address is the owner's
      expect((await ctx.find(group, owner))?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      if (ctx.runsProcesses) {
        expect(await namespaceOf(member, 'net')).toBe(await namespaceOf(owner, 'net'));
        expect(await namespaceOf(member, 'ipc')).toBe(await namespaceOf(owner, 'ipc'));
        const page = await waitFor('the owner\'s server on localhost', async () => {
          const { exitCode, output } = await runtime().exec(member, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'], 5_000);
          return exitCode === 0 ? output : undefined;
        }, { timeoutMs: 10_000 });
        expect(page).toContain('Hello from Baton');
      }
    });

    it('refuses a joined container that publishes ports, or joins the IPC of a container that does not share it', async () => {
      const group = ctx.scope();
      const owner = await ctx.run(group);
      const ports = [{ containerPort: 80, protocol: 'TCP' as const, hostPort: 18081, hostIP: '127.0.0.1' }];
      await expect(runtime().createContainer(ctx.spec(group, { network: { mode: 'container', id: owner }, ports }))).rejects.toBeInstanceOf(ContainerCreateError);
      const member = await runtime().createContainer(ctx.spec(group, { ipcContainerId: owner }));
      await expect(runtime().startContainer(member)).rejects.toBeInstanceOf(ContainerStartError);
    });

    it('a container joined to a stopped container cannot start', async () => {
      const group = ctx.scope();
      const owner = await runtime().createContainer(ctx.spec(group));
      const member = await runtime().createContainer(ctx.spec(group, { network: { mode: 'container', id: owner } }));
      await expect(runtime().startContainer(member)).rejects.toBeInstanceOf(ContainerStartError);
    });

    it('a container on the host network has no address of its own', async () => {
      const group = ctx.scope();
      const id = await ctx.run(group, { network: { mode: 'host' } });
      const listed = await ctx.find(group, id);
      expect(listed?.state).toBe('running');
      expect(listed?.ip).toBeUndefined();
    });

    if (ctx.runsProcesses) {
      it('a container over its memory limit is killed and reported OOMKilled', async () => {
        const group = ctx.scope();
        // dd holds its whole 64 MiB block in memory: four times the limit, and no swap to escape to.
        const id = await ctx.run(group, { command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], memoryBytes: 16 * 1024 * 1024 });
        const exited = await waitFor('the container to be killed', async () => {
          const c = await ctx.find(group, id);
          return c?.state === 'exited' ? c : undefined;
        }, { timeoutMs: 15_000 });
        expect(exited).toMatchObject({ oomKilled: true, exitCode: 137 });
      });
    }
  });
}
