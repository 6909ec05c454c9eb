import { describe, expect, it } from 'vitest';
import type { StoredPod } from '../state.js';
import { pod } from '../test-fixtures.js';
import { deletionOrder, type PodAvailability } from './owned.js';

/** Which surplus pod goes first. */

function ranked(pods: StoredPod[], seen: Record<string, PodAvailability>): string[] {
  const availability = (p: StoredPod): PodAvailability => seen[p.metadata.name] ?? 'ready';
  return [...pods].sort(deletionOrder(availability, pods)).map((p) => p.metadata.name);
}

const at = (name: string, nodeName: string | undefined, second = 0): StoredPod =>
  pod(name, { ...(nodeName !== undefined ? { nodeName } : {}), created: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z` });

describe('deletionOrder', () => {
  it.each<[string, StoredPod[], Record<string, PodAvailability>, string[]]>([
    ['unbound before bound', [at('b', 'n1'), at('u', undefined)], {}, ['u', 'b']],
    [
      'then lost, notReady, unknown, ready',
      [at('r', 'n1'), at('k', 'n2'), at('x', 'n3'), at('l', 'n4')],
      { k: 'unknown', x: 'notReady', l: 'lost' },
      ['l', 'x', 'k', 'r'],
    ],
    ['then the node with more of the pods first', [at('alone', 'n2', 9), at('crowded', 'n1', 1), at('beside', 'n1', 2)], {}, ['beside', 'crowded', 'alone']],
    ['then newer first', [at('old', 'n1', 1), at('new', 'n2', 5)], {}, ['new', 'old']],
    ['then by name', [at('a', 'n1'), at('b', 'n2')], {}, ['b', 'a']],
    ['availability outranks the spread', [at('crowded1', 'n1'), at('crowded2', 'n1'), at('alone', 'n2')], { alone: 'notReady' }, ['alone', 'crowded2', 'crowded1']],
  ])('%s', (_, pods, seen, expected) => {
    expect(ranked(pods, seen)).toEqual(expected);
  });
});
