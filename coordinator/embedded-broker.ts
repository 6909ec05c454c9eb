import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * The embedded MQTT broker (aedes), for a fleet that has no broker of its own. The one
 * file that imports aedes, lazily, so a coordinator on an external broker never loads it.
 * Retained messages live in memory: they are gone when the coordinator restarts, which
 * is why every program republishes its retained messages on reconnect.
 */
export class EmbeddedBroker {
  private server: Server | undefined;
  private closeBroker: (() => Promise<void>) | undefined;

  constructor(private readonly host: string, private readonly port: number) {}

  /** Listens; rejects with a clear message if the address cannot be used. */
  async start(): Promise<{ host: string; port: number }> {
    const { Aedes } = await import('aedes');
    const broker = await Aedes.createBroker();
    this.closeBroker = () => new Promise((resolve) => broker.close(() => resolve()));
    const server = createServer(broker.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new Error(`cannot listen on ${this.host}:${this.port}: ${why}`, { cause: error }));
      });
      server.listen(this.port, this.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Disconnects every client and stops listening. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await this.closeBroker?.();
    this.closeBroker = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
