import { describe, expect, it } from 'vitest';
import type { PodStatusReport } from '../../protocol/messages.js';
import type { ListItem } from '../../protocol/requests.js';
import { overlayPodStatuses } from './pod-overlay.js';

const pending = { phase: 'Pending', conditions: [], containerStatuses: [] };

function pod(name: string, uid: string, nodeName?: string): ListItem {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
    status: pending,
  };
}

function report(node: string, name: string, uid: string): PodStatusReport {
  return { protocol: 'v1', node, name, uid, observedGeneration: 1, status: { phase: 'Running', conditions: [], containerStatuses: [] } };
}

describe('overlayPodStatuses', () => {
  const reports = new Map([
    ['pi-1/a', report('pi-1', 'a', 'uid-a')],
    ['pi-1/b', report('pi-1', 'b', 'uid-old')],
    ['pi-2/c', report('pi-2', 'c', 'uid-c')],
  ]);
  const lookup = (node: string, name: string): PodStatusReport | undefined => reports.get(`${node}/${name}`);

  it.each<[string, ListItem, string]>([
    ['takes the node\'s status for the same uid', pod('a', 'uid-a', 'pi-1'), 'Running'],
    ['ignores a report for an older pod of the same name', pod('b', 'uid-b', 'pi-1'), 'Pending'],
    ['ignores a report from another node', pod('c', 'uid-c', 'pi-1'), 'Pending'],
    ['keeps the coordinator\'s status for an unscheduled pod', pod('a', 'uid-a'), 'Pending'],
    ['keeps the coordinator\'s Unknown for a pod whose node is offline', { ...pod('a', 'uid-a', 'pi-1'), status: { ...pending, phase: 'Unknown' } }, 'Unknown'],
  ])('%s', (_what, item, phase) => {
    const [merged] = overlayPodStatuses([item], lookup);
    expect(merged?.status?.['phase']).toBe(phase);
    expect(merged?.metadata).toEqual(item.metadata);
  });
});
