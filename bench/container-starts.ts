import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { z } from 'zod';

/**
 * The engine's own account of when containers start: one `docker events` stream, opened
 * before anything is timed, and for each `start` event the bench's clock
 * (`performance.now()`) at the moment its line arrived, with the container's attributes
 * (name, image and labels).
 *
 * The same stream times the floor, Baton's containers and Swarm's tasks: it costs each
 * of them the same small delivery delay, needs no polling (whose interval would blur the
 * figures) and adds no second CLI's start-up to anyone's time.
 */

const startEventSchema = z.object({
  status: z.string().optional(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()) }),
});

export interface ContainerStart {
  /** `performance.now()` when the event reached the bench. */
  readonly at: number;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ContainerStarts {
  /** The first start seen at or after `since` whose attributes satisfy `matches`; polls until `timeoutMs` passes. */
  waitFor(what: string, since: number, matches: (attributes: Readonly<Record<string, string>>) => boolean, timeoutMs: number): Promise<ContainerStart>;
  /** Ends the stream. Idempotent. */
  stop(): Promise<void>;
}

export function watchContainerStarts(): ContainerStarts {
  const child = spawn('docker', ['events', '--filter', 'type=container', '--filter', 'event=start', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const seen: ContainerStart[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const event = startEventSchema.safeParse(parsed);
    if (event.success && event.data.Action === 'start') seen.push({ at, id: event.data.Actor.ID, attributes: event.data.Actor.Attributes });
  });
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    async waitFor(what, since, matches, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = seen.find((s) => s.at >= since && matches(s.attributes));
        if (found !== undefined) return found;
        if (!isRunning()) throw new Error(`docker events exited while waiting for ${what}: ${stderr.trim()}`);
        if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the start of ${what} in docker events`);
        // Only the lookup polls; the time recorded is the event's arrival, not this wake-up.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async stop() {
      if (isRunning()) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
