import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './request-body.js';

describe('readBody', () => {
  it('reads a body in pieces', async () => {
    expect(await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), 16)).toEqual({ kind: 'complete', body: Buffer.from('{"a":1}') });
  });

  it('reads an empty body and one of exactly the limit', async () => {
    expect(await readBody(Readable.from([]), 4)).toEqual({ kind: 'complete', body: Buffer.alloc(0) });
    expect(await readBody(Readable.from([Buffer.from('abcd')]), 4)).toEqual({ kind: 'complete', body: Buffer.from('abcd') });
  });

  it('stops one byte past the limit, without reading the rest', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 4);
    stream.write(Buffer.from('abc'));
    stream.write(Buffer.from('de'));
    expect(await read).toEqual({ kind: 'too-large', maxBytes: 4 });
  });

  it('refuses a declared Content-Length past the limit before reading', async () => {
    const stream = Object.assign(new PassThrough(), { headers: { 'content-length': '5000' } });
    expect(await readBody(stream, 4096)).toEqual({ kind: 'too-large', maxBytes: 4096 });
  });

  it('rejects when the client goes away mid-body', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 100);
    stream.write('ab');
    stream.destroy();
    await expect(read).rejects.toThrow('the client went away before the end of the body');
  });
});
