import { describe, expect, it } from 'vitest';
import type { EventItem } from '../../protocol/requests.js';
import { eventItem } from './describe-fixtures.js';
import { cell, eventAge, eventLines, formatTime, mapLines } from './describe-text.js';

const now = Date.parse('2026-11-24T10:10:00Z');

describe('formatTime', () => {
  it.each<[string | undefined, string]>([
    ['2026-11-24T10:00:01.000Z', 'Tue, 24 Nov 2026 10:00:01 +0000'],
    ['2025-01-05T23:59:59+02:00', 'Sun, 05 Jan 2025 21:59:59 +0000'],
    [undefined, '<unset>'],
    ['soon', 'soon'],
  ])('%s -> %s', (iso, expected) => {
    expect(formatTime(iso)).toBe(expected);
  });
});

describe('cell', () => {
  it('keeps a cell on one line', () => {
    expect(cell('a\tb\nc\u001b[31m')).toBe('a b c [31m');
    expect(cell(undefined)).toBe('');
    expect(cell(3)).toBe('3');
  });
});

describe('mapLines', () => {
  it.each<[string, Record<string, string> | undefined, string, string[]]>([
    ['none', undefined, '=', ['Labels:\t<none>']],
    ['empty', {}, '=', ['Labels:\t<none>']],
    ['sorted, one per line', { tier: 'front', app: 'web' }, '=', ['Labels:\tapp=web', '\ttier=front']],
    ['annotations', { note: 'hi' }, ': ', ['Labels:\tnote: hi']],
  ])('%s', (_what, map, separator, expected) => {
    expect(mapLines('Labels', map, separator)).toEqual(expected);
  });
});

describe('events', () => {
  it.each<[string, Partial<EventItem>, string]>([
    ['seen once: its age', { count: 1, firstTimestamp: '2026-11-24T10:09:15Z', lastTimestamp: '2026-11-24T10:09:15Z' }, '45s'],
    ['seen again: last age, count and first age', { count: 5, firstTimestamp: '2026-11-24T10:02:00Z', lastTimestamp: '2026-11-24T10:09:50Z' }, '10s (x5 over 8m)'],
  ])('%s', (_what, partial, expected) => {
    expect(eventAge(eventItem({ reason: 'BackOff', ...partial }), now)).toBe(expected);
  });

  it('prints <none> without events, else a table oldest first', () => {
    expect(eventLines([], now)).toEqual(['Events:\t<none>']);
    const lines = eventLines(
      [
        eventItem({ reason: 'Started', firstTimestamp: '2026-11-24T10:05:00Z', lastTimestamp: '2026-11-24T10:05:00Z' }),
        eventItem({ reason: 'Pulled', firstTimestamp: '2026-11-24T10:04:00Z', lastTimestamp: '2026-11-24T10:04:00Z', message: '  padded  ' }),
        eventItem({ reason: 'BackOff', type: 'Warning', count: 3, firstTimestamp: '2026-11-24T10:06:00Z', lastTimestamp: '2026-11-24T10:09:00Z' }),
      ],
      now,
    );
    expect(lines).toEqual([
      'Events:',
      '  Type\tReason\tAge\tFrom\tMessage',
      '  ----\t------\t----\t----\t-------',
      '  Normal\tPulled\t6m\tbaton-agent\tpadded',
      '  Normal\tStarted\t5m\tbaton-agent\tStarted happened',
      '  Warning\tBackOff\t60s (x3 over 4m)\tbaton-agent\tBackOff happened',
    ]);
  });
});
