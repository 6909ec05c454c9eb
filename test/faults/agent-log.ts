/**
 * The agent's log as an operator reads it in journald: pino JSON, one object a line.
 * Lines that are not JSON objects (a crash trace) are left out.
 */
export interface AgentLogLine {
  readonly level: number;
  readonly time: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** pino's numeric levels. */
export const LOG_LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function agentLog(output: string): AgentLogLine[] {
  const lines: AgentLogLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value === 'object' && value !== null && 'msg' in value && 'level' in value) lines.push(value as AgentLogLine);
    } catch {
      // A line cut short by the kill; not a log line.
    }
  }
  return lines;
}
