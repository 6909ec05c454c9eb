import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonLines } from './json-lines.js';

describe('readJsonLines', () => {
  it('parses values split across chunks, skips malformed lines, takes a last line without newline', async () => {
    const stream = new PassThrough();
    const seen: unknown[] = [];
    const done = readJsonLines(stream, (m) => seen.push(m));
    stream.write('{"a":1}\n{"b"');
    stream.write(':2}\r\nnot json\n\n');
    stream.end('{"c":3}');
    await done;
    expect(seen).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('rejects when the stream fails or closes before its end; resolves when aborted', async () => {
    const failing = new PassThrough();
    const failed = readJsonLines(failing, () => undefined);
    failing.destroy(new Error('socket hang up'));
    await expect(failed).rejects.toThrow('socket hang up');

    const cut = new PassThrough();
    const closed = readJsonLines(cut, () => undefined);
    cut.destroy();
    await expect(closed).rejects.toThrow(/closed the stream before its end/);

    const abort = new AbortController();
    const open = new PassThrough();
    const aborted = readJsonLines(open, () => undefined, abort.signal);
    abort.abort();
    await aborted;
    expect(open.destroyed).toBe(true);
  });
});
