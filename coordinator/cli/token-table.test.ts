import { describe, expect, it } from 'vitest';
import { tokenTable } from './token-table.js';

describe('tokenTable', () => {
  it('lists id, description, created and expiry, to the second; no secrets to show', () => {
    expect(
      tokenTable([
        { id: 'abc123', description: 'kitchen pis', created: '2026-03-01T12:00:00.123Z', expires: '2026-03-02T12:00:00.000Z' },
        { id: 'zz9z9z', description: '', created: '2026-03-01T13:00:00.000Z', expires: null },
      ]),
    ).toBe(
      [
        'ID       DESCRIPTION   CREATED                EXPIRES',
        'abc123   kitchen pis   2026-03-01T12:00:00Z   2026-03-02T12:00:00Z',
        'zz9z9z   <none>        2026-03-01T13:00:00Z   never',
      ].join('\n'),
    );
  });
});
