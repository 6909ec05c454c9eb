import { describe, expect, it } from 'vitest';
import { EXEC_OUTPUT_BYTES, ExecOutput } from './docker-exec.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('ExecOutput', () => {
  it('joins the payloads of stdout and stderr frames, however the chunks split them', () => {
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'err '), frame(1, 'world\n')]);
    for (const cut of [1, 3, 8, 9, 15, bytes.length - 1]) {
      const output = new ExecOutput();
      output.push(bytes.subarray(0, cut));
      output.push(bytes.subarray(cut));
      expect(output.text()).toBe('hello err world\n');
    }
  });

  it('keeps only the first bytes', () => {
    const output = new ExecOutput();
    output.push(frame(1, 'a'.repeat(EXEC_OUTPUT_BYTES - 2)));
    output.push(frame(2, 'bcdef'));
    output.push(frame(1, 'never'));
    expect(output.text()).toBe(`${'a'.repeat(EXEC_OUTPUT_BYTES - 2)}bc`);
  });
});
