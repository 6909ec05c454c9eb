import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificatePem, ipBytes, issueCertificate } from './certificate.js';

const keys = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('ipBytes', () => {
  it.each([
    ['10.1.2.3', '0a010203'],
    ['::1', '00000000000000000000000000000001'],
    ['fd00::1:2', 'fd000000000000000000000000010002'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
  ])('%s', (address, expected) => {
    expect(ipBytes(address).toString('hex')).toBe(expected);
  });

  it('refuses a name', () => {
    expect(() => ipBytes('hub')).toThrow('not an IP address: hub');
  });
});

describe('issueCertificate', () => {
  const ca = keys();
  const server = keys();
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2036-01-01T00:00:00Z');
  const caCert = new X509Certificate(
    certificatePem(issueCertificate({ commonName: 'Baton CA test', publicKey: ca.publicKey, notBefore, notAfter, role: { kind: 'ca' }, issuer: { kind: 'self', privateKey: ca.privateKey } })),
  );
  const serverCert = new X509Certificate(
    issueCertificate({
      commonName: 'hub',
      publicKey: server.publicKey,
      notBefore,
      notAfter: new Date('2028-01-01T00:00:00Z'),
      role: { kind: 'server', sans: ['hub.local', '10.0.0.5', 'fd00::5'] },
      issuer: { kind: 'ca', commonName: 'Baton CA test', publicKey: ca.publicKey, privateKey: ca.privateKey },
    }),
  );

  it('makes a self-signed CA that node:crypto reads back', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('O=Baton\nCN=Baton CA test');
    expect(caCert.issuer).toBe(caCert.subject);
    expect(caCert.verify(ca.publicKey)).toBe(true);
    expect(new Date(caCert.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(caCert.validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it('makes a server certificate signed by the CA, for its names and addresses only', () => {
    expect(serverCert.ca).toBe(false);
    expect(serverCert.checkIssued(caCert)).toBe(true);
    expect(serverCert.verify(ca.publicKey)).toBe(true);
    expect(serverCert.verify(server.publicKey)).toBe(false);
    expect(serverCert.subjectAltName).toBe('DNS:hub.local, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5');
    expect(serverCert.checkHost('hub.local', { subject: 'never' })).toBe('hub.local');
    expect(serverCert.checkHost('other.local', { subject: 'never' })).toBeUndefined();
    expect(serverCert.checkIP('fd00::5')).toBe('fd00::5');
    expect(serverCert.checkIP('10.0.0.6')).toBeUndefined();
    expect(serverCert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth
  });

  it('gives each certificate its own serial number', () => {
    const again = new X509Certificate(
      issueCertificate({ commonName: 'Baton CA test', publicKey: ca.publicKey, notBefore, notAfter, role: { kind: 'ca' }, issuer: { kind: 'self', privateKey: ca.privateKey } }),
    );
    expect(again.serialNumber).not.toBe(caCert.serialNumber);
    expect(again.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
  });
});
