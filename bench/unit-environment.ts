import { readFileSync } from 'node:fs';
import { repoRoot } from '../test/support/processes.js';

/**
 * The environment systemd/baton-agent.service gives the agent, but for its BATON_
 * settings (the bench passes its own flags): NODE_OPTIONS and MALLOC_ARENA_MAX. The bench
 * runs the single binary with them, as a Pi runs it.
 */
export function agentUnitEnvironment(unitText: string = readFileSync(`${repoRoot}systemd/baton-agent.service`, 'utf8')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    const match = /^Environment=(?:"([^"]*)"|(\S+))\s*$/.exec(line.trim());
    const assignment = match?.[1] ?? match?.[2];
    if (assignment === undefined) continue;
    const at = assignment.indexOf('=');
    if (at <= 0) throw new Error(`systemd/baton-agent.service: cannot read ${JSON.stringify(line)}`);
    const key = assignment.slice(0, at);
    if (!key.startsWith('BATON_')) env[key] = assignment.slice(at + 1);
  }
  return env;
}
