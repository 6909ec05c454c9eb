import type { Logger } from 'pino';
import { AuthStore } from './auth/auth-store.js';
import { ensurePki, pkiDir, type Pki } from './auth/pki.js';
import type { CoordinatorConfig } from './config.js';

/**
 * The coordinator's secrets, loaded (and made on the first start) before anything
 * listens: the CA and the server certificate in `<state dir>/tls`, and the credentials
 * and join tokens in `<state dir>/auth.json`. Either one unusable stops the start with
 * its own error, which names the file and what to do; nothing is overwritten.
 */
export async function loadSecurity(config: CoordinatorConfig, log: Logger): Promise<{ auth: AuthStore; pki: Pki }> {
  const pki = await ensurePki(pkiDir(config.stateDir), { sans: config.tlsSans });
  log.info({ caSha256: pki.caSha256, caCreated: pki.caCreated, ...(pki.serverIssued !== undefined ? { reason: pki.serverIssued } : {}), sans: pki.sans }, 'TLS certificates ready');
  const auth = await AuthStore.load({ stateDir: config.stateDir });
  return { auth, pki };
}
