import { describe, expect, it } from 'vitest';
import { admit } from './admission.js';
import { pod } from './testing/fixtures.js';

describe('admit', () => {
  const privileged = pod('gpio', { containers: [{ name: 'app', image: 'x:1', securityContext: { privileged: true } }] }).spec;
  const plain = pod('web').spec;

  it('admits a pod that asks for nothing special', () => {
    expect(admit('pi-1', plain, { allowPrivileged: false })).toEqual({ admitted: true });
  });

  it('rejects a privileged container where the node does not allow it, naming the container and the flag', () => {
    const result = admit('pi-1', privileged, { allowPrivileged: false });
    expect(result).toMatchObject({ admitted: false, reason: 'Forbidden' });
    expect(result.admitted === false && result.message).toMatch(/container app .*--allow-privileged/);
  });

  it('admits it where the node allows privileged containers', () => {
    expect(admit('pi-1', privileged, { allowPrivileged: true })).toEqual({ admitted: true });
  });
});
