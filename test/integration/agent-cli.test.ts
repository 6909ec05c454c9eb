import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { removeNodeContainers } from '../support/docker.js';
import { startMosquitto } from '../support/mosquitto.js';
import { startProgram } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { BrokerView, desiredState, podContainers, QUICK_PASS_MS, QUICK_PASSES, requireBuiltAgent, testPod, uniqueNode } from './agent-harness.js';

/** The baton-agent program's command line: --version, --help, usage errors, and a Docker it cannot reach. */

async function runToExit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const program = startProgram('baton-agent', args, env);
  const [code] = (await once(program.child, 'exit')) as [number | null];
  return { code, output: program.output() };
}

beforeAll(() => requireBuiltAgent());

describe('baton-agent command line', () => {
  it('prints its version', async () => {
    const { code, output } = await runToExit(['--version']);
    expect(code).toBe(0);
    expect(output).toBe(`baton-agent 0.1.0 (protocol v1, ${process.arch})\n`);
  });

  it('prints help listing every flag with its environment variable', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    for (const env of ['BATON_BROKER', 'BATON_PREFIX', 'BATON_NODE', 'BATON_STATE_DIR', 'BATON_LABELS', 'BATON_DOCKER_HOST', 'BATON_RESYNC', 'BATON_STATUS_INTERVAL', 'BATON_LOG_LEVEL']) {
      expect(output).toContain(env);
    }
  });

  it.each([
    [['--node', 'Not_A_Name']],
    [['--resync', '-1']],
    [['--bogus']],
    [['--broker', 'nonsense']],
  ])('%j is a usage error: one line, exit 2', async (args) => {
    const { code, output } = await runToExit(args);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('see --help');
  });

  it('reads its flags from the environment', async () => {
    const { code, output } = await runToExit([], { BATON_NODE: 'Not_A_Name' });
    expect(code).toBe(2);
    expect(output).toContain('Not_A_Name');
  });

  it('stays up with an unreachable Docker and reports the node not Ready, changing nothing', async () => {
    const broker = await startMosquitto();
    const view = await BrokerView.connect(broker.url);
    const node = uniqueNode('ac');
    const agent = startProgram('baton-agent', ['--broker', broker.url, '--node', node, '--state-dir', `/tmp/baton-agent-${node}`,
      '--docker-host', 'unix:///nonexistent/docker.sock', ...QUICK_PASSES]);
    try {
      const notReady = await waitFor('Ready False before any desired state', () => {
        const s = view.nodeStatus(node);
        return s?.conditions?.find((c) => c.type === 'Ready')?.status === 'False' ? s : undefined;
      });
      expect(notReady.state).toBe('online');
      await view.publishDesired(desiredState(node, 1, [testPod('web')]));
      const status = await waitFor('Ready False', () => {
        const s = view.nodeStatus(node);
        return s?.conditions?.find((c) => c.type === 'Ready')?.status === 'False' ? s : undefined;
      });
      const since = Date.now();
      await waitFor('two more heartbeats', () => Date.parse(view.nodeStatus(node)?.time ?? '0') > since + 1.5 * QUICK_PASS_MS, { timeoutMs: 10_000 });
      expect(view.nodeStatus(node)?.observedGeneration).toBeUndefined(); // taken, but not applied
      expect(status.state).toBe('online');
      expect(status.conditions?.[0]?.message).toContain('container runtime is down');
      expect(agent.child.exitCode).toBeNull();
      expect(await podContainers(node, 'web')).toEqual([]);
    } finally {
      await agent.stop('SIGKILL');
      await removeNodeContainers(node);
      await view.close();
      await broker.stop();
    }
  });
});
