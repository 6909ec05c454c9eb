import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { startProcess, type Running } from './processes.js';

const run = promisify(execFile);

/**
 * A network namespace joined to the host by a veth pair on a private /30: a stand-in for
 * a Pi on Wi-Fi. A program started inside it reaches the host only through the pair, so
 * taking the host end down cuts it off silently (no RST, no FIN: its packets just stop,
 * as when a Wi-Fi link drops), and bringing it up heals the cut. The Docker socket is a
 * file, so an agent inside still reaches the engine. Needs root and iproute2.
 */
export interface NetnsLink {
  /** The namespace's name (`ip netns exec <ns> ...`). */
  readonly ns: string;
  /** The host end's interface and address (bind a broker here). */
  readonly hostInterface: string;
  readonly hostAddress: string;
  /** The namespace end's address. */
  readonly nsAddress: string;
  /** Starts a program inside the namespace; stop it before `remove()`. */
  start(command: string, args: readonly string[]): Running;
  /** Takes the host end down: nothing passes either way. Idempotent. */
  cut(): Promise<void>;
  /** Brings the host end up again. Idempotent. */
  heal(): Promise<void>;
  /** Deletes the namespace and the pair. Idempotent; never throws. */
  remove(): Promise<void>;
}

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** A /30 in 10.250.0.0/16 that no interface of the host uses yet: [host end, namespace end]. */
async function freeSubnet(): Promise<[string, string]> {
  const used = await ip('-o', '-4', 'addr', 'show');
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = `10.250.${randomInt(256)}.`;
    const last = randomInt(64) * 4;
    const host = `${base}${last + 1}`;
    const inside = `${base}${last + 2}`;
    if (!used.includes(` ${host}/`) && !used.includes(` ${inside}/`)) return [host, inside];
  }
  throw new Error('no free /30 in 10.250.0.0/16');
}

const PREFIX = 'baton-netns-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the namespaces a test process left behind when it was killed before its clean-up
 * ran (their names carry its PID). A namespace of a test still running is left alone.
 */
async function removeOrphans(): Promise<void> {
  const names = (await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = Number(/^baton-netns-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await ip('netns', 'del', name).catch(() => undefined);
  }
}

export async function createNetnsLink(): Promise<NetnsLink> {
  await removeOrphans();
  const id = randomBytes(3).toString('hex');
  const ns = `${PREFIX}${process.pid}-${id}`;
  // Interface names are at most 15 characters.
  const hostInterface = `bt${id}h`;
  const nsInterface = `bt${id}n`;
  const [hostAddress, nsAddress] = await freeSubnet();
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    // Deleting the namespace destroys its end and with it the pair; the explicit delete
    // covers a set-up that failed before the end was moved in.
    await ip('netns', 'del', ns).catch(() => undefined);
    await ip('link', 'del', hostInterface).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', ns);
    await ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', nsInterface);
    await ip('link', 'set', nsInterface, 'netns', ns);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostInterface);
    await ip('link', 'set', hostInterface, 'up');
    await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsInterface);
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', nsInterface, 'up');
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    await remove();
    throw new Error(`could not make the network namespace ${ns} (root and iproute2 are needed)`, { cause: error });
  }
  return {
    ns,
    hostInterface,
    hostAddress,
    nsAddress,
    // `ip netns exec` enters the namespace and execs the command: the PID is the program's.
    start: (command, args) => startProcess('ip', ['netns', 'exec', ns, command, ...args]),
    cut: async () => void (await ip('link', 'set', hostInterface, 'down')),
    heal: async () => void (await ip('link', 'set', hostInterface, 'up')),
    remove,
  };
}
