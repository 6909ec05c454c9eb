import { connect } from 'node:net';
import type { ProbeOutcome } from './probe-result.js';
import { dialErrorMessage, joinHostPort } from './probe-endpoint.js';

export interface TcpProbeRequest {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** Aborting ends the attempt at once (the container is gone); the outcome is then a failure. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A tcpSocket probe: succeeds if a TCP connection opens within the timeout, and closes
 * it at once. Never rejects; the socket is destroyed however the attempt ends.
 */
export function probeTcp(request: TcpProbeRequest): Promise<ProbeOutcome> {
  const { host, port, timeoutMs, signal } = request;
  const where = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ success: false, message: `dial tcp ${where}: probe canceled` });
    const timer = setTimeout(() => finish({ success: false, message: `dial tcp ${where}: i/o timeout` }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) onAbort();
    socket.once('connect', () => finish({ success: true, message: `connected to ${where}` }));
    socket.on('error', (error) => finish({ success: false, message: dialErrorMessage(error, host, port) }));
  });
}
