import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeUnusable } from './saved-state-problem.js';
import { desired, pod } from './testing/fixtures.js';

const whole = JSON.stringify(desired([pod('web')], 3));

describe('describeUnusable', () => {
  it.each([
    ['an empty file', '', 'the file is empty'],
    ['blanks only', ' \n', 'the file is empty'],
    ['a file cut inside a string', whole.slice(0, 30), `it is cut short: its 30 bytes end in the middle of the JSON document (a write that never finished)`],
    ['a file cut between values', whole.slice(0, whole.length - 1), `it is cut short: its ${whole.length - 1} bytes end in the middle of the JSON document (a write that never finished)`],
    ['a file cut after a comma', `${whole.slice(0, whole.indexOf(',') + 1)}`, 'it is cut short'],
    ['words', 'garbage here', "it is not JSON (Unexpected token 'g')"],
    ['a long line of words', 'garbage here, and more garbage, line after line', "it is not JSON (Unexpected token 'g')"],
    ['JSON followed by more', `${whole}xx`, 'it is not JSON (Unexpected non-whitespace character after JSON at position'],
    ['JSON of another shape', '{"hello":1}', 'it is JSON but not a desired state: protocol: required'],
  ])('%s', (_what, text, expected) => {
    expect(describeUnusable(text, 'protocol: required')).toContain(expected);
  });

  it('says binary garbage is not text, and keeps it out of the reason', () => {
    expect(describeUnusable(randomBytes(64).toString('utf8'), '')).toBe('it is not JSON: binary data, not text');
    expect(describeUnusable('\u0000\u0000\u0000\u0000', '')).toBe('it is not JSON: binary data, not text');
  });
});
