import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Topics } from '../../protocol/topics.js';
import type { MosquittoConfigCommand } from '../mosquitto-config-args.js';
import { AuthStore } from './auth-store.js';
import { MOSQUITTO_FILES, renderMosquittoConfig } from './mosquitto-files.js';
import { copySecretFile, mosquittoGroupId, writeMosquittoAuthFiles } from './mosquitto-sync.js';
import { ensurePki, pkiDir } from './pki.js';

/**
 * `baton-coordinator mosquitto-config --out DIR`: everything an external mosquitto needs,
 * in one folder it can read (mosquitto drops to its own user before reading the key and
 * the password file, so they are copied out of the coordinator's 0700 state directory:
 * 0640 to the mosquitto group when run as root). Makes the CA, the server certificate,
 * and the coordinator's and admin's credentials (and admin.json) if they are missing;
 * keeps them otherwise. Idempotent. Returns the files written.
 */
export async function writeMosquittoConfig(command: MosquittoConfigCommand, options: { gid?: number | undefined } = {}): Promise<string[]> {
  const outDir = resolve(command.outDir);
  await mkdir(command.stateDir, { recursive: true, mode: 0o700 });
  const pki = await ensurePki(pkiDir(command.stateDir), { sans: command.tlsSans });
  const store = await AuthStore.load({ stateDir: command.stateDir });
  await store.ensureBootstrap({ broker: `mqtts://127.0.0.1:${command.tlsPort}`, ca: pki.caCertPem });
  // The group is looked up unless given (tests give undefined: files stay 0600, theirs).
  const group = 'gid' in options ? options.gid : await mosquittoGroupId();
  await mkdir(outDir, { recursive: true, mode: 0o755 });
  await copySecretFile(pki.paths.caCert, join(outDir, MOSQUITTO_FILES.caCert), group);
  await copySecretFile(pki.paths.serverCert, join(outDir, MOSQUITTO_FILES.serverCert), group);
  await copySecretFile(pki.paths.serverKey, join(outDir, MOSQUITTO_FILES.serverKey), group);
  await writeMosquittoAuthFiles(outDir, store.credentials(), new Topics(command.prefix), { anonymousRead: command.anonymousRead }, group);
  const config = renderMosquittoConfig({ dir: outDir, anonymousRead: command.anonymousRead, port: command.port, tlsPort: command.tlsPort });
  await writeFile(join(outDir, MOSQUITTO_FILES.config), config, { mode: 0o644 });
  return Object.values(MOSQUITTO_FILES).map((name) => join(outDir, name));
}
