import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A Linux bridge of a test's own, for a private dockerd's `--bridge`: on a 10.x.y.0/24
 * that no route of this machine overlaps, so neither docker0 nor anything else is
 * shadowed. The caller deletes it (`ip link del`).
 */

/** Creates the bridge on a 10.x.y.0/24 that no route of this machine overlaps, and brings it up. */
export async function createBridge(bridge: string): Promise<void> {
  const routes = await routedNetworks();
  let subnet: number | undefined;
  for (let i = 0; i < 100 && subnet === undefined; i++) {
    const [a = 0, b = 0] = randomBytes(2);
    const candidate = ((10 << 24) | ((200 + (a % 50)) << 16) | (b << 8)) >>> 0;
    if (!routes.some((r) => overlaps(r, { address: candidate, bits: 24 }))) subnet = candidate;
  }
  if (subnet === undefined) throw new Error('no free 10.x.y.0/24 for the private bridge');
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${formatAddress(subnet + 1)}/24`, 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
}

interface Network {
  readonly address: number;
  readonly bits: number;
}

/** The destination of every IPv4 route in every table but the default route. */
async function routedNetworks(): Promise<Network[]> {
  const { stdout } = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
  const networks: Network[] = [];
  for (const line of stdout.split('\n')) {
    // `172.17.0.0/16 dev docker0 ...`, `local 127.0.0.1 dev lo table local ...`
    const match = /^(?:[a-z]+\s+)?(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?\s/.exec(line);
    if (match === null) continue;
    const [a, b, c, d] = match.slice(1, 5).map(Number);
    networks.push({ address: (((a ?? 0) << 24) | ((b ?? 0) << 16) | ((c ?? 0) << 8) | (d ?? 0)) >>> 0, bits: Number(match[5] ?? 32) });
  }
  return networks;
}

function overlaps(x: Network, y: Network): boolean {
  const bits = Math.min(x.bits, y.bits);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((x.address & mask) >>> 0) === ((y.address & mask) >>> 0);
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

export async function bridgeExists(bridge: string): Promise<boolean> {
  return run('ip', ['link', 'show', bridge]).then(() => true, () => false);
}
