import type { ErrorCode } from '../../protocol/requests.js';

/** A failure the user gets as one line on stderr (`error: ...`) and exit status 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The coordinator answered, but with an error; printed as `Error from coordinator: ...`. */
export class CoordinatorError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details: readonly string[]) {
    super(message);
    this.name = 'CoordinatorError';
  }
}

/** What a command prints to and reads from: the process's streams, or a test's buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  now(): number;
}

/** The lines of a coordinator error, kubectl-style; details (validation problems) one per line. */
export function coordinatorErrorLines(error: CoordinatorError): string[] {
  return [`Error from coordinator: ${error.message}`, ...error.details.map((detail) => `  ${detail}`)];
}
