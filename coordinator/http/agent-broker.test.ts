import { describe, expect, it } from 'vitest';
import { agentBrokerUrl, isLocalHost, type BrokerForAgents } from './agent-broker.js';

describe('agentBrokerUrl', () => {
  it.each<[string, BrokerForAgents, string, string]>([
    ['the embedded broker, on the host the Pi asked', { kind: 'embedded', port: 1883 }, 'pi-hub.local', 'mqtt://pi-hub.local:1883'],
    ['the embedded broker on another port', { kind: 'embedded', port: 11883 }, '192.168.1.10', 'mqtt://192.168.1.10:11883'],
    ['the embedded broker, asked over IPv6', { kind: 'embedded', port: 1883 }, 'fd00::1', 'mqtt://[fd00::1]:1883'],
    ['the embedded broker with its TLS listener: agents are sent there', { kind: 'embedded', port: 1883, tlsPort: 8883 }, 'pi-hub.local', 'mqtts://pi-hub.local:8883'],
    ['an external broker elsewhere, as configured', { kind: 'external', url: 'mqtt://mosquitto.lan:1884' }, 'pi-hub', 'mqtt://mosquitto.lan:1884'],
    ['an external broker without a port', { kind: 'external', url: 'mqtt://mosquitto.lan' }, 'pi-hub', 'mqtt://mosquitto.lan:1883'],
    ['an external TLS broker without a port', { kind: 'external', url: 'mqtts://broker.example.org' }, 'pi-hub', 'mqtts://broker.example.org:8883'],
    ['an external broker, without its password', { kind: 'external', url: 'mqtt://baton:s3cret@mosquitto.lan:1883/x' }, 'pi-hub', 'mqtt://mosquitto.lan:1883'],
    ['an external broker on IPv6', { kind: 'external', url: 'mqtt://[fd00::2]:1883' }, 'pi-hub', 'mqtt://[fd00::2]:1883'],
    ['a broker on loopback: its port on the asked host', { kind: 'external', url: 'mqtt://127.0.0.1:1884' }, 'pi-hub.local', 'mqtt://pi-hub.local:1884'],
    ['a broker on localhost', { kind: 'external', url: 'mqtt://localhost' }, '10.0.0.5', 'mqtt://10.0.0.5:1883'],
    ['a broker on the IPv6 loopback', { kind: 'external', url: 'mqtts://[::1]:8884' }, 'pi-hub', 'mqtts://pi-hub:8884'],
    ['a broker on the wildcard address', { kind: 'external', url: 'mqtt://0.0.0.0:1883' }, 'pi-hub', 'mqtt://pi-hub:1883'],
  ])('%s', (_why, broker, host, url) => {
    expect(agentBrokerUrl(broker, host)).toBe(url);
  });
});

describe('isLocalHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['LOCALHOST', true], ['pi.localhost', true],
    ['::1', true], ['[::1]', true], ['0.0.0.0', true], ['[::]', true],
    ['192.168.1.2', false], ['hub', false], ['127.0.0.1.nip.io', false], ['[fd00::1]', false],
  ])('%s -> %s', (host, local) => {
    expect(isLocalHost(host)).toBe(local);
  });
});
