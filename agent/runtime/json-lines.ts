import type { Readable } from 'node:stream';

/**
 * Reads a stream of newline-separated JSON values, as the Docker engine sends events
 * and pull or import progress, calling `onMessage` with each parsed value. Resolves when
 * the stream ends (or `signal` aborts, which destroys it); rejects if the stream fails or
 * closes before its end (the engine went away mid-answer).
 * A malformed line is skipped: it can only be a message the caller would not act on.
 */
export function readJsonLines(stream: Readable, onMessage: (message: unknown) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const take = (line: string): void => {
      const trimmed = line.trim();
      if (trimmed === '') return;
      let message: unknown;
      try {
        message = JSON.parse(trimmed);
      } catch {
        return;
      }
      onMessage(message);
    };
    const abort = (): void => {
      stream.destroy();
      finish();
    };
    let isFinished = false;
    const finish = (error?: Error): void => {
      if (isFinished) return;
      isFinished = true;
      signal?.removeEventListener('abort', abort);
      stream.off('data', onData);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        take(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    };
    if (signal?.aborted) {
      abort();
      return;
    }
    signal?.addEventListener('abort', abort, { once: true });
    stream.on('data', onData);
    stream.once('end', () => {
      take(buffer);
      finish();
    });
    stream.once('close', () => finish(new Error('the engine closed the stream before its end')));
    stream.once('error', (error: Error) => finish(error));
  });
}
