import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * A stand-in for systemd's end of the notify protocol: a unix datagram socket at `path`,
 * bound by a small python3 program (Node cannot bind one). It reads each datagram with
 * the sender's credentials (SO_PASSCRED), as systemd does to decide whose message it is,
 * and closes the file descriptors a barrier message carries, as systemd does, so that
 * `systemd-notify` returns at once.
 */
export interface Notification {
  /** The sender's PID, as the kernel vouches for it. */
  readonly pid: number;
  readonly fields: readonly string[];
  /** Date.now() when it arrived. */
  readonly at: number;
}

export interface NotifyReceiver {
  readonly path: string;
  readonly received: readonly Notification[];
  /** The notifications with `field` (e.g. `WATCHDOG=1`). */
  with(field: string): Notification[];
  stop(): Promise<void>;
}

const RECEIVER = `
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": True}), flush=True)
while True:
    data, ancillary, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for fd in struct.unpack("%di" % (len(payload) // 4), payload[: len(payload) // 4 * 4]):
                os.close(fd)
    print(json.dumps({"pid": pid, "fields": data.decode().split("\\n")}), flush=True)
`;

export async function startNotifyReceiver(path: string): Promise<NotifyReceiver> {
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: Notification[] = [];
  const lines = createInterface({ input: child.stdout });
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the notify receiver exited with ${code}`)));
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { listening?: boolean; pid?: number; fields?: string[] };
      if (message.listening) resolve();
      else received.push({ pid: message.pid ?? 0, fields: message.fields ?? [], at: Date.now() });
    });
  });
  await listening;
  return {
    path,
    received,
    with: (field) => received.filter((n) => n.fields.includes(field)),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
