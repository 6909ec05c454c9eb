import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AuthenticateError } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatePem, issueCertificate } from '../../coordinator/auth/certificate.js';
import { ensurePki, type Pki } from '../../coordinator/auth/pki.js';
import { BrokerUnreachableError } from '../../protocol/broker-errors.js';
import { MqttLink } from '../../protocol/mqtt-link.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

/**
 * MqttLink over mqtts:// with a pinned CA, against real brokers holding certificates
 * ensurePki made: mosquitto (cafile/certfile/keyfile) and aedes behind tls.createServer.
 * The pinned CA is the only root trusted, no host name is checked, and the user name and
 * password reach the broker.
 */

let dir: string;
let pki: Pki;
let other: Pki;
let mosquitto: Mosquitto;
let mosquittoTlsPort: number;

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Connects (no reconnecting, as the CLI does), proves a message goes round, and stops. */
async function roundTrip(options: { url: string; ca?: string; username?: string; password?: string; clientId?: string }): Promise<void> {
  const link = new MqttLink({ clientId: options.clientId ?? `baton-test-tls-${Math.random().toString(16).slice(2, 8)}`, reconnect: false, connectTimeoutMs: 5000, ...options });
  try {
    await link.start();
    const seen: string[] = [];
    await link.subscribe('baton/v1/tls-test', (_topic, payload) => seen.push(payload.toString()));
    expect(await link.publish('baton/v1/tls-test', 'over tls', { retain: false })).toBe(true);
    await waitFor('the message back', () => seen.includes('over tls'), { timeoutMs: 5000 });
  } finally {
    await link.stop();
  }
}

const startFails = async (options: { url: string; ca?: string; username?: string; password?: string }): Promise<Error> => {
  const link = new MqttLink({ clientId: 'baton-test-tls-refused', reconnect: false, connectTimeoutMs: 5000, ...options });
  try {
    await link.start();
  } catch (error) {
    return error as Error;
  } finally {
    await link.stop();
  }
  throw new Error(`connected to ${options.url}, expected a refusal`);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-tls-'));
  pki = await ensurePki(join(dir, 'tls'));
  other = await ensurePki(join(dir, 'other-tls'));
  mosquittoTlsPort = await freePort();
  // mosquitto started as root drops to the user mosquitto before it reads certificates,
  // which could not read the 0700 tls folder and the 0600 key: it stays root here.
  mosquitto = await startMosquitto({
    extraConfig: ['user root', `listener ${mosquittoTlsPort} 127.0.0.1`, `cafile ${pki.paths.caCert}`, `certfile ${pki.paths.serverCert}`, `keyfile ${pki.paths.serverKey}`].join('\n'),
  });
  await waitFor(`mosquitto's TLS listener on ${mosquittoTlsPort}\n${mosquitto.output()}`, () => portOpen(mosquittoTlsPort), { timeoutMs: 10_000, intervalMs: 50 });
});

afterAll(async () => {
  await mosquitto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('MqttLink over mqtts:// to mosquitto with the certificate ensurePki made', () => {
  it('connects by address and by name trusting the pinned CA, and carries messages', async () => {
    await roundTrip({ url: `mqtts://127.0.0.1:${mosquittoTlsPort}`, ca: pki.caCertPem });
    await roundTrip({ url: `mqtts://localhost:${mosquittoTlsPort}`, ca: pki.caCertPem });
  });

  it("refuses the broker when the pinned CA is another coordinator's, saying so", async () => {
    const error = await startFails({ url: `mqtts://127.0.0.1:${mosquittoTlsPort}`, ca: other.caCertPem });
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(error.message).toMatch(new RegExp(`^cannot connect to the MQTT broker at mqtts://127\\.0\\.0\\.1:${mosquittoTlsPort}: the broker's TLS certificate is not signed by the trusted CA \\(`));
  });

  it("without a CA trusts only the system's roots, which never signed Baton's certificate", async () => {
    const error = await startFails({ url: `mqtts://127.0.0.1:${mosquittoTlsPort}` });
    expect(error.message).toMatch(/the broker's TLS certificate is not signed by the trusted CA/);
  });

  it('stays plain on an mqtt:// URL even with a CA (the scheme decides)', async () => {
    await roundTrip({ url: mosquitto.url, ca: pki.caCertPem });
  });
});

describe('MqttLink over mqtts:// to aedes behind tls.createServer', () => {
  let server: TlsServer;
  let port: number;
  let closeBroker: () => Promise<void>;
  const seen: { username: string | undefined; password: string | undefined; clientId: string }[] = [];

  beforeAll(async () => {
    // A server certificate from the same CA naming only a host that is not this one:
    // the link must accept it (no host name check), where a checking client would not.
    const caKey = createPrivateKey(await readFile(pki.paths.caKey, 'utf8'));
    const ca = new X509Certificate(pki.caCertPem);
    const serverKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const now = Date.now();
    const cert = certificatePem(
      issueCertificate({
        commonName: 'broker.elsewhere.example',
        publicKey: serverKeys.publicKey,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 86_400_000),
        role: { kind: 'server', sans: ['broker.elsewhere.example'] },
        issuer: { kind: 'ca', commonName: ca.subject.split('\n').find((part) => part.startsWith('CN='))?.slice(3) ?? '', publicKey: ca.publicKey, privateKey: caKey },
      }),
    );
    const { Aedes } = await import('aedes');
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        seen.push({ username, password: password?.toString('utf8'), clientId: client.id });
        if (username === 'node.pi-1' && password?.toString('utf8') === 's3cret') return done(null, true);
        const refused: AuthenticateError = Object.assign(new Error('not authorized'), { returnCode: 5 as const });
        done(refused, false);
      },
    });
    closeBroker = () => new Promise((resolve) => broker.close(() => resolve()));
    server = createTlsServer({ cert, key: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await closeBroker?.();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('hands the broker the user name and password, and connects to a certificate naming another host', async () => {
    // The certificate really does not name 127.0.0.1: a client that checks host names refuses it.
    const checked = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: [pki.caCertPem] }, () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(checked).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    seen.length = 0;
    await roundTrip({ url: `mqtts://127.0.0.1:${port}`, ca: pki.caCertPem, username: 'node.pi-1', password: 's3cret', clientId: 'baton-agent-pi-1' });
    expect(seen).toEqual([{ username: 'node.pi-1', password: 's3cret', clientId: 'baton-agent-pi-1' }]);
  });

  it('is refused by the broker with a wrong password', async () => {
    const error = await startFails({ url: `mqtts://127.0.0.1:${port}`, ca: pki.caCertPem, username: 'node.pi-1', password: 'wrong' });
    expect(error.message).toMatch(/Not authorized/i);
  });

  it("refuses the broker when the pinned CA is another coordinator's, before sending the password", async () => {
    seen.length = 0;
    const error = await startFails({ url: `mqtts://127.0.0.1:${port}`, ca: other.caCertPem, username: 'node.pi-1', password: 's3cret' });
    expect(error.message).toMatch(/the broker's TLS certificate is not signed by the trusted CA/);
    expect(seen).toEqual([]);
  });
});
