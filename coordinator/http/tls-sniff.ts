import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * One port for plain HTTP and HTTPS: the first byte of a connection tells which it is
 * (0x16 opens every TLS handshake; an HTTP request starts with a method's letter), and
 * the connection goes to the matching server as if that server had accepted it. So
 * `http://hub:8484/install.sh` keeps working while `https://hub:8484/join` is TLS.
 * Without an HTTPS server, every connection is plain HTTP, as before.
 */

/** The TLS record type of a handshake: the first byte a TLS client sends. */
export const TLS_HANDSHAKE = 0x16;

/** How long a connection may stay silent before its first byte; then it is closed. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

/**
 * `destroyAll` cuts every connection this port accepted, whichever side it went to: the
 * HTTP and HTTPS servers never listen themselves, so their closeAllConnections knows none.
 */
export type SniffedServer = Server & { destroyAll(): void };

export function createSniffingServer(http: HttpServer, https: HttpsServer | undefined): SniffedServer {
  const open = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const silent = (): void => {
      socket.destroy();
    };
    // A reset before the first byte must not go unhandled (it would end the process).
    const failed = (): void => {
      socket.destroy();
    };
    socket.on('error', failed);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, silent);
    socket.once('readable', () => {
      // The server it goes to sets its own timeouts.
      socket.setTimeout(0);
      socket.off('timeout', silent);
      socket.off('error', failed);
      const first: Buffer | null = socket.read(1);
      if (first === null) {
        socket.destroy(); // ended before saying anything
        return;
      }
      socket.unshift(first);
      const target = https !== undefined && first[0] === TLS_HANDSHAKE ? https : http;
      target.emit('connection', socket);
    });
  });
  return Object.assign(server, {
    destroyAll(): void {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  });
}
