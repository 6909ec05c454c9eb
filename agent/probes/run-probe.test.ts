import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { podSpecSchema, type ContainerSpec } from '../../protocol/manifest.js';
import { freePort } from '../../test/support/ports.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { runProbe, type ProbeRunContext } from './run-probe.js';

/** The container spec as the manifest parser makes it, with its probe and ports. */
function container(fields: Record<string, unknown>): ContainerSpec {
  const spec = podSpecSchema.parse({ containers: [{ name: 'app', image: 'app:1', ...fields }] }).containers[0];
  if (spec === undefined) throw new Error('no container');
  return spec;
}

function liveness(spec: ContainerSpec): NonNullable<ContainerSpec['livenessProbe']> {
  if (spec.livenessProbe === undefined) throw new Error('no liveness probe');
  return spec.livenessProbe;
}

let server: http.Server;
let port: number;
let paths: string[];
let runtime: FakeRuntime;
let containerId: string;

beforeEach(async () => {
  paths = [];
  server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = req.url === '/healthz' ? 200 : 500;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  runtime = new FakeRuntime({ images: ['app:1'] });
  containerId = await runtime.createContainer({ name: 'app', image: 'app:1', labels: {}, env: [], ports: [] });
  await runtime.startContainer(containerId);
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function context(spec: ContainerSpec, address: string | undefined): ProbeRunContext {
  return { runtime, containerId, spec, address };
}

describe('runProbe', () => {
  it('runs an httpGet probe against the pod address and a named port', async () => {
    const spec = container({ ports: [{ name: 'http', containerPort: port }], livenessProbe: { httpGet: { path: '/healthz', port: 'http' } } });
    expect(await runProbe(liveness(spec), context(spec, '127.0.0.1'))).toEqual({ success: true, message: 'HTTP probe succeeded with statuscode: 200' });
    expect(paths).toEqual(['/healthz']);
  });

  it('runs an httpGet probe against its own host when it names one', async () => {
    const spec = container({ livenessProbe: { httpGet: { path: '/other', port, host: '127.0.0.1' } } });
    expect(await runProbe(liveness(spec), context(spec, '10.255.255.1'))).toEqual({ success: false, message: 'HTTP probe failed with statuscode: 500' });
    expect(paths).toEqual(['/other']);
  });

  it('runs a tcpSocket probe', async () => {
    const spec = container({ livenessProbe: { tcpSocket: { port } } });
    expect((await runProbe(liveness(spec), context(spec, '127.0.0.1'))).success).toBe(true);
    const closed = await freePort();
    const refused = container({ livenessProbe: { tcpSocket: { port: closed } } });
    expect(await runProbe(liveness(refused), context(refused, '127.0.0.1'))).toEqual({
      success: false,
      message: `dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it('fails clearly while the pod has no address', async () => {
    const spec = container({ livenessProbe: { tcpSocket: { port } } });
    expect(await runProbe(liveness(spec), context(spec, undefined))).toEqual({ success: false, message: 'the pod has no IP address yet' });
  });

  it('runs an exec probe in the container with the probe\'s timeout', async () => {
    const seen: (readonly string[])[] = [];
    runtime.execHandler = (_id, command) => {
      seen.push(command);
      return { exitCode: 1, output: 'nope' };
    };
    const spec = container({ livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] } } });
    expect(await runProbe(liveness(spec), context(spec, undefined))).toEqual({ success: false, message: 'nope' });
    expect(seen).toEqual([['cat', '/tmp/healthy']]);
  });
});
