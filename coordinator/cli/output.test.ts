import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ListItem } from '../../protocol/requests.js';
import { formatObjects } from './output.js';

const items: ListItem[] = ['a', 'b'].map((name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { nodeName: 'pi-1', containers: [] },
  status: { phase: 'Running' },
}));

describe('formatObjects', () => {
  it.each(['json', 'yaml'] as const)('prints a List in %s', (format) => {
    const text = formatObjects(items, format, false);
    const value: unknown = format === 'json' ? JSON.parse(text) : parse(text);
    expect(value).toEqual({ apiVersion: 'v1', kind: 'List', items });
  });

  it.each(['json', 'yaml'] as const)('prints the one named object in %s', (format) => {
    const text = formatObjects(items.slice(1), format, true);
    const value: unknown = format === 'json' ? JSON.parse(text) : parse(text);
    expect(value).toEqual(items[1]);
  });

  it('prints an empty List when nothing was found', () => {
    expect(JSON.parse(formatObjects([], 'json', false))).toEqual({ apiVersion: 'v1', kind: 'List', items: [] });
  });
});
