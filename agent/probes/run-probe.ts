import type { ContainerSpec, Probe } from '../../protocol/manifest.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { probeExec } from './exec-prober.js';
import { probeHttp } from './http-prober.js';
import { resolveEndpoint } from './probe-endpoint.js';
import type { ProbeOutcome } from './probe-result.js';
import { probeTcp } from './tcp-prober.js';

export interface ProbeRunContext {
  readonly runtime: Pick<ContainerRuntime, 'exec'>;
  readonly containerId: string;
  /** The container's spec: its named ports. */
  readonly spec: ContainerSpec;
  /** Where the pod is reached when the probe names no host; undefined while unknown. */
  readonly address: string | undefined;
  /** Ends an httpGet or tcpSocket run at once; an exec run ends at its timeout. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs a probe once with whichever handler it has, bounded by its `timeoutSeconds`.
 * Never rejects: every problem is a failed outcome with a message for the event.
 */
export function runProbe(probe: Probe, context: ProbeRunContext): Promise<ProbeOutcome> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  if (probe.exec !== undefined) return probeExec(context.runtime, context.containerId, probe.exec.command, timeoutMs);
  const handler = probe.httpGet ?? probe.tcpSocket;
  // The manifest's schema guarantees exactly one handler.
  if (handler === undefined) return Promise.resolve({ success: false, message: 'the probe has no handler' });
  const endpoint = resolveEndpoint(handler, context.spec, context.address);
  if ('problem' in endpoint) return Promise.resolve({ success: false, message: endpoint.problem });
  const { host, port } = endpoint;
  if (probe.httpGet !== undefined) {
    const { scheme, path, httpHeaders } = probe.httpGet;
    return probeHttp({ scheme, host, port, path, headers: httpHeaders, timeoutMs, signal: context.signal });
  }
  return probeTcp({ host, port, timeoutMs, signal: context.signal });
}
