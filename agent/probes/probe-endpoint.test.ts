import { describe, expect, it } from 'vitest';
import { podSpecSchema, type ContainerSpec } from '../../protocol/manifest.js';
import { dialErrorMessage, joinHostPort, resolveEndpoint } from './probe-endpoint.js';

function container(ports: unknown[]): ContainerSpec {
  const spec = podSpecSchema.parse({ containers: [{ name: 'app', image: 'app:1', ports }] });
  const first = spec.containers[0];
  if (first === undefined) throw new Error('no container');
  return first;
}

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:8080`), { code });
}

describe('resolveEndpoint', () => {
  const spec = container([{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }]);

  it.each([
    { handler: { port: 80 }, address: '172.17.0.5', want: { host: '172.17.0.5', port: 80 } },
    { handler: { port: 'metrics' }, address: '172.17.0.5', want: { host: '172.17.0.5', port: 9100 } },
    { handler: { port: 'http', host: '127.0.0.1' }, address: '172.17.0.5', want: { host: '127.0.0.1', port: 8080 } },
    { handler: { port: 'http', host: 'example.internal' }, address: undefined, want: { host: 'example.internal', port: 8080 } },
    { handler: { port: 'http' }, address: undefined, want: { problem: 'the pod has no IP address yet' } },
    { handler: { port: 'grpc' }, address: '172.17.0.5', want: { problem: 'no container port named "grpc"' } },
  ])('$handler with address $address', ({ handler, address, want }) => {
    expect(resolveEndpoint(handler, spec, address)).toEqual(want);
  });
});

describe('joinHostPort', () => {
  it('brackets IPv6 hosts only', () => {
    expect(joinHostPort('10.0.0.5', 80)).toBe('10.0.0.5:80');
    expect(joinHostPort('fd00::5', 80)).toBe('[fd00::5]:80');
    expect(joinHostPort('pod.local', 80)).toBe('pod.local:80');
  });
});

describe('dialErrorMessage', () => {
  it.each([
    ['ECONNREFUSED', 'dial tcp 10.0.0.5:8080: connect: connection refused'],
    ['EHOSTUNREACH', 'dial tcp 10.0.0.5:8080: connect: no route to host'],
    ['ENETUNREACH', 'dial tcp 10.0.0.5:8080: connect: network is unreachable'],
    ['ETIMEDOUT', 'dial tcp 10.0.0.5:8080: i/o timeout'],
    ['ECONNRESET', 'read tcp 10.0.0.5:8080: connection reset by peer'],
    ['ENOTFOUND', 'dial tcp: lookup 10.0.0.5: no such host'],
    ['EPROTO', 'connect EPROTO 10.0.0.5:8080'],
  ])('%s reads as Go\'s dialer says it', (code, message) => {
    expect(dialErrorMessage(errno(code), '10.0.0.5', 8080)).toBe(message);
  });

  it('keeps the message of anything else', () => {
    expect(dialErrorMessage(new Error('socket hang up'), 'h', 1)).toBe('socket hang up');
    expect(dialErrorMessage('odd', 'h', 1)).toBe('odd');
  });
});
