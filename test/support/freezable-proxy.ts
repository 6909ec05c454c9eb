import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A unix-socket relay in front of another unix socket (the Docker engine's), that a test
 * can freeze: while frozen, nothing passes either way, so every call through it hangs,
 * as with an engine that has stopped answering. Thawed, what was held passes on.
 */
export interface FreezableProxy {
  readonly path: string;
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export async function startFreezableProxy(path: string, target: string): Promise<FreezableProxy> {
  let isFrozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (isFrozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('end', () => (isFrozen ? held.push(() => to.end()) : to.end()));
    from.on('error', () => to.destroy());
    from.on('close', () => sockets.delete(from));
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ path: target, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    path,
    freeze() {
      isFrozen = true;
    },
    thaw() {
      isFrozen = false;
      for (const release of held.splice(0)) release();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
