import { describe, expect, it } from 'vitest';
import { renderTable } from './tables.js';

describe('renderTable', () => {
  it.each([
    {
      what: 'pads every column to its widest cell, three spaces apart, no trailing spaces',
      headers: ['NAME', 'STATUS', 'AGE'],
      rows: [['pi-1', 'Ready', '3h'], ['pi-long-name', 'NotReady', '45s']],
      expected: 'NAME           STATUS     AGE\npi-1           Ready      3h\npi-long-name   NotReady   45s',
    },
    {
      what: 'prints only the header when there are no rows',
      headers: ['NAME', 'READY'],
      rows: [],
      expected: 'NAME   READY',
    },
    {
      what: 'treats a missing cell as empty',
      headers: ['A', 'B', 'C'],
      rows: [['x']],
      expected: 'A   B   C\nx',
    },
  ])('$what', ({ headers, rows, expected }) => {
    expect(renderTable(headers, rows)).toBe(expected);
  });
});
