import type { Logger } from '../../protocol/log.js';
import type { CoordinatorConfig } from '../config.js';
import type { BrokerForAgents } from './agent-broker.js';
import { InstallServer, type InstallServerOptions } from './install-server.js';
import { servedFiles } from './served-files.js';

/**
 * Starts the install server when `--http` asks for one, with the installer and unit built
 * into the program. Rejects with one line when it cannot listen; undefined when off.
 * With `tls` (the server certificate and the CA from ensurePki) the port speaks HTTPS too.
 */
export async function startInstallServer(
  config: CoordinatorConfig,
  broker: BrokerForAgents,
  log: Logger,
  tls?: InstallServerOptions['tls'],
  join?: InstallServerOptions['join'],
): Promise<InstallServer | undefined> {
  if (config.http === undefined) return undefined;
  const server = new InstallServer({ ...config.http, binariesDir: config.binariesDir, ...servedFiles, broker, log, ...(tls !== undefined ? { tls } : {}), ...(join !== undefined ? { join } : {}) });
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
