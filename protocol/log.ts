import { pino, type Logger } from 'pino';

export type { Logger };

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * JSON logs on stdout, one object per line, for journald. Fields are stable: `node`,
 * `pod`, `container`, `reason`. The one file that imports pino.
 */
export function createLogger(name: string, level: string, bindings: Record<string, string> = {}): Logger {
  return pino({ name, level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
