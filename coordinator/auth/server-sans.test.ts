import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { normalizeSan, wantedSans } from './server-sans.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null });
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: null, scopeid: 0 });

describe('wantedSans', () => {
  it('names loopback, the host, its .local name, each outside address and the extra ones, once each', () => {
    const sans = wantedSans({
      hostname: 'Pi-Hub',
      interfaces: {
        lo: [v4('127.0.0.1', true), v6('::1', true)],
        eth0: [v4('192.168.1.10'), v6('fd00::10'), v6('fe80::1234:5678')],
        docker0: [v4('172.17.0.1')],
        veth1: [v6('fe80::abcd')],
      },
      extra: ['hub.example.org.', '[2001:db8::1]', '192.168.1.10', 'HUB.example.org'],
    });
    expect(sans).toEqual(['localhost', '127.0.0.1', '::1', 'pi-hub', 'pi-hub.local', '172.17.0.1', '192.168.1.10', 'fd00::10', 'hub.example.org', '2001:db8::1']);
  });

  it('takes the first label of a dotted host name for the .local name', () => {
    expect(wantedSans({ hostname: 'hub.lan', interfaces: {}, extra: [] })).toEqual(['localhost', '127.0.0.1', '::1', 'hub.lan', 'hub.local']);
    expect(wantedSans({ hostname: 'hub.local', interfaces: {}, extra: [] })).toEqual(['localhost', '127.0.0.1', '::1', 'hub.local']);
  });

  it('refuses an extra entry that is neither a name nor an address, saying it came from --tls-san', () => {
    expect(() => wantedSans({ hostname: 'hub', interfaces: {}, extra: ['not a name'] })).toThrow('--tls-san: "not a name" is neither a DNS name nor an IP address');
  });
});

describe('normalizeSan', () => {
  it.each([
    ['Hub.Local', 'hub.local'],
    ['*.hub.lan', '*.hub.lan'],
    ['10.0.0.1', '10.0.0.1'],
    ['FD00::1', 'fd00::1'],
    ['[::1]', '::1'],
  ])('%s -> %s', (text, san) => {
    expect(normalizeSan(text)).toEqual({ ok: true, san });
  });

  it.each(['', 'a b', 'hub/x', 'hub..lan', '-hub', 'hé.local', 'a'.repeat(254), '10.0.0.1:80'])('refuses %j', (text) => {
    expect(normalizeSan(text).ok).toBe(false);
  });
});
