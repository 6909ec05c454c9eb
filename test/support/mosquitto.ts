import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type Running } from './processes.js';
import { waitFor } from './wait.js';

/** A real mosquitto on 127.0.0.1 with its own config, port and PID. */
export interface Mosquitto extends Running {
  readonly url: string;
  readonly port: number;
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: { port?: number; extraConfig?: string } = {}): Promise<Mosquitto> {
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'baton-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  await writeFile(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', options.extraConfig ?? ''].join('\n'));
  const running = startProcess('mosquitto', ['-c', config]);
  await waitFor(`mosquitto on port ${port}\n${running.output()}`, () => canConnect(port), { timeoutMs: 10_000, intervalMs: 10 });
  return { ...running, url: `mqtt://127.0.0.1:${port}`, port };
}
