import { containersWithLabels, docker, TEST_IMAGE } from '../test/support/docker.js';
import { freePort } from '../test/support/ports.js';
import { waitFor } from '../test/support/wait.js';

/**
 * Docker Swarm mode on the bench's own engine, as the peer: a one-node swarm on loopback
 * (`docker swarm init`), services of one replica of the same image and command.
 *
 * An engine already in a swarm is used as it is and never left (leaving would tear down
 * somebody's cluster); a swarm this bench made is always left by `stop()`, with the
 * docker_gwbridge network that `swarm init` made.
 */
export interface SwarmPeer {
  /** What the report should say about the swarm used (made here, or found). */
  readonly note: string;
  /** `docker service create --detach`: returns once the service exists, not when its task runs. */
  create(service: string, label: string): Promise<void>;
  /** `docker service rm`, then waits until the task's container is gone. */
  remove(service: string): Promise<void>;
  /** Removes what is left of the services labelled `label`; leaves the swarm if this bench made it. Idempotent. */
  stop(label: string): Promise<void>;
}

export const SERVICE_LABEL = 'com.docker.swarm.service.name';

export async function startSwarm(say: (line: string) => void): Promise<SwarmPeer> {
  const [state, isManager] = (await docker('info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')).split(' ');
  let isOurs = false;
  let note: string;
  if (state === 'active') {
    if (isManager !== 'true') throw new Error('this engine is a worker in a swarm (not a manager): services cannot be created here; it was left as it was');
    note = 'the engine was already in a swarm: used as it was, not left';
    say(note);
  } else if (state === 'inactive') {
    const hadGwBridge = (await docker('network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$')) !== '';
    const port = await freePort();
    await docker('swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${port}`);
    isOurs = true;
    note = `a one-node swarm made for the bench (swarm init on 127.0.0.1:${port}), left afterwards`;
    say(note);
    const leave = async (): Promise<void> => {
      if (!isOurs) return;
      isOurs = false;
      await docker('swarm', 'leave', '--force');
      if (!hadGwBridge) await docker('network', 'rm', 'docker_gwbridge').catch(() => undefined);
      say('left the swarm');
    };
    return peer(note, leave);
  } else {
    throw new Error(`the engine's swarm state is ${JSON.stringify(state)} (neither inactive nor active): left as it was`);
  }
  return peer(note, async () => undefined);
}

function peer(note: string, leave: () => Promise<void>): SwarmPeer {
  const gone = async (service: string): Promise<void> => {
    await waitFor(`the container of service ${service} gone`, async () => (await containersWithLabels(`${SERVICE_LABEL}=${service}`)).length === 0, { timeoutMs: 60_000, intervalMs: 100 });
  };
  return {
    note,
    async create(service, label) {
      // The same image and command as the floor; a short stop grace, because busybox's
      // sleep as PID 1 ignores SIGTERM and each removal would otherwise take 10 s.
      await docker('service', 'create', '--detach', '--no-resolve-image', '--name', service, '--label', label, '--container-label', label,
        '--restart-condition', 'none', '--stop-grace-period', '1s', TEST_IMAGE, 'sleep', '3600');
    },
    async remove(service) {
      await docker('service', 'rm', service);
      await gone(service);
    },
    async stop(label) {
      try {
        const left = await docker('service', 'ls', '-q', '--filter', `label=${label}`).catch(() => '');
        if (left !== '') await docker('service', 'rm', ...left.split('\n'));
        const containers = await containersWithLabels(label);
        if (containers.length > 0) await docker('rm', '-f', ...containers);
      } finally {
        await leave();
      }
    },
  };
}
