import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../protocol/messages.js';
import { nodeItem, nodeRolesColumn, nodeStatusColumn, withCoordinatorVerdict } from './node-items.js';

function status(extra: Partial<NodeStatus>): NodeStatus {
  return { protocol: 'v1', node: 'pi-1', state: 'online', ...extra };
}

describe('nodeStatusColumn', () => {
  it.each<[string, NodeStatus, string]>([
    ['online and Ready', status({ conditions: [{ type: 'Ready', status: 'True' }] }), 'Ready'],
    ['online, not Ready', status({ conditions: [{ type: 'Ready', status: 'False' }] }), 'NotReady'],
    ['online without conditions', status({}), 'NotReady'],
    ['offline though its last condition said Ready', status({ state: 'offline', conditions: [{ type: 'Ready', status: 'True' }] }), 'NotReady'],
  ])('%s -> %s', (_what, node, expected) => {
    expect(nodeStatusColumn(node)).toBe(expected);
  });
});

describe('nodeRolesColumn', () => {
  it.each<[Record<string, string> | undefined, string]>([
    [undefined, '<none>'],
    [{ 'kubernetes.io/arch': 'arm64' }, '<none>'],
    [{ 'node-role.kubernetes.io/edge': '' }, 'edge'],
    [{ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' }, 'control-plane,worker'],
    [{ 'kubernetes.io/role': 'gateway' }, 'gateway'],
  ])('%j -> %s', (labels, expected) => {
    expect(nodeRolesColumn(labels)).toBe(expected);
  });
});

describe('nodeItem', () => {
  it('wraps a node status as a Kubernetes-style Node', () => {
    const node = status({ startedAt: '2026-01-01T00:00:00Z', labels: { zone: 'attic' } });
    expect(nodeItem(node)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'pi-1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { zone: 'attic' } },
      spec: {},
      status: node,
    });
    expect(nodeItem(status({})).metadata).toEqual({ name: 'pi-1', labels: {} });
  });
});

describe('a cordoned node', () => {
  it('shows SchedulingDisabled after its readiness, as kubectl does', () => {
    expect(nodeStatusColumn(status({ conditions: [{ type: 'Ready', status: 'True' }] }), true)).toBe('Ready,SchedulingDisabled');
    expect(nodeStatusColumn(status({ state: 'offline' }), true)).toBe('NotReady,SchedulingDisabled');
  });

  it('has spec.unschedulable in -o json', () => {
    expect(nodeItem(status({}), true).spec).toEqual({ unschedulable: true });
    expect(nodeItem(status({})).spec).toEqual({});
  });
});

describe('withCoordinatorVerdict', () => {
  const ready = status({ conditions: [{ type: 'Ready', status: 'True' }], labels: { zone: 'attic' } });
  const overdue = status({
    state: 'offline',
    reason: 'NodeStatusUnknown',
    labels: { zone: 'attic' },
    conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Baton agent stopped posting node status.' }],
  });
  const will = status({ state: 'offline', reason: 'ConnectionLost' });

  it.each<[string, NodeStatus, NodeStatus | undefined, NodeStatus]>([
    ['the coordinator holds an online node offline (status overdue): its verdict wins', ready, overdue, overdue],
    ['the coordinator agrees it is online: the agent\'s own status', ready, { ...ready, usage: { cpuPercent: 1, memoryBytes: 2 } }, ready],
    ['the coordinator does not know the node: the agent\'s own status', ready, undefined, ready],
    ['the agent\'s will says offline: its own status, whatever the coordinator holds', will, ready, will],
  ])('%s', (_what, own, coordinator, expected) => {
    expect(withCoordinatorVerdict(own, coordinator)).toBe(expected);
  });

  it('shows such a node NotReady', () => {
    expect(nodeStatusColumn(withCoordinatorVerdict(ready, overdue))).toBe('NotReady');
    expect(nodeStatusColumn(withCoordinatorVerdict(ready, overdue), true)).toBe('NotReady,SchedulingDisabled');
  });
});
