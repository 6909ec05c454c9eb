/**
 * What a mosquitto says it received from one client, read from its own log: the broker's
 * word on what the agent sent after a reconnect, in order. Start the mosquitto with
 * `extraConfig: VERBOSE_BROKER_LOG` (see test/support/mosquitto.ts).
 */

export const VERBOSE_BROKER_LOG = 'log_type all\nlog_dest stderr';

export interface ReceivedPacket {
  /** CONNECT, PUBLISH, SUBSCRIBE, PINGREQ, DISCONNECT, ... */
  readonly kind: string;
  /** A PUBLISH's topic. */
  readonly topic?: string;
}

/** The packets the broker logged from `clientId`, in order; each connection starts with a CONNECT. */
export function packetsFrom(log: string, clientId: string): ReceivedPacket[] {
  const packets: ReceivedPacket[] = [];
  for (const line of log.split('\n')) {
    if (line.includes(`New client connected from `) && line.includes(` as ${clientId} (`)) {
      packets.push({ kind: 'CONNECT' });
      continue;
    }
    // `Received PUBLISH from ID (d0, q1, r1, m3, 'TOPIC', ... (N bytes))`
    const match = / Received (\w+) from (\S+)(?: \(d\d, q\d, r\d, m\d+, '([^']*)')?/.exec(line);
    if (!match || match[2] !== clientId) continue;
    packets.push({ kind: match[1] ?? '', ...(match[3] !== undefined ? { topic: match[3] } : {}) });
  }
  return packets;
}
