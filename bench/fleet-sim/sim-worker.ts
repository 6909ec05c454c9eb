import { createLogger } from '../../protocol/log.js';
import { startSimAgent, type SimAgent } from './sim-agent.js';

/**
 * A worker process hosting many simulated nodes (fork()ed by fleet.ts, run through
 * bench/ts-hooks.mjs). argv: BROKER_URL STATE_DIR IMAGE NODE... It starts the nodes a few
 * at a time (a thousand connects at once would only measure the broker's accept queue),
 * tells its parent `{ started: n }` over IPC, and on `'stop'` (or SIGTERM) stops every
 * agent (each says offline, as a stopped agent does) and exits.
 */

const STARTING_AT_ONCE = 25;

async function main(): Promise<void> {
  const [brokerUrl, stateDir, image, ...nodes] = process.argv.slice(2);
  if (brokerUrl === undefined || stateDir === undefined || image === undefined || nodes.length === 0) throw new Error('usage: sim-worker BROKER_URL STATE_DIR IMAGE NODE...');
  // Warnings only: a thousand agents logging each pod at info would measure the log.
  const log = createLogger('baton-fleet-sim', process.env.BATON_LOG_LEVEL ?? 'warn');
  const agents: SimAgent[] = [];
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(agents.map((a) => a.stop()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  for (let i = 0; i < nodes.length && !stopping; i += STARTING_AT_ONCE) {
    const batch = nodes.slice(i, i + STARTING_AT_ONCE);
    agents.push(...(await Promise.all(batch.map((node) => startSimAgent({ node, brokerUrl, stateDir, images: [image], log })))));
  }
  process.send?.({ started: agents.length });
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
