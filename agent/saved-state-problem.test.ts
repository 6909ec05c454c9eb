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
    ['words', 'garbage here', "it is not JSON (Unexpected token 'g'; 12 bytes)"],
    ['JSON followed by more', `${whole}xx`, 'it is not JSON (Unexpected non-whitespace character after JSON at position'],
    ['JSON of another shape', '{"hello":1}', 'it is JSON but not a desired state: protocol: required'],
  ])('%s', (_what, text, expected) => {
    expect(describeUnusable(text, 'protocol: required')).toContain(expected);
  });

  it('keeps binary garbage out of the reason', () => {
    const reason = describeUnusable(randomBytes(64).toString('utf8'), '');
    expect(reason).toMatch(/^it is not JSON \(/);
    expect(reason).toMatch(/^[\x20-\x7e]*$/);
  });
});
