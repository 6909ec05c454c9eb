import { describe, expect, it } from 'vitest';
import type { NodeStatus, PodStatus } from '../protocol/messages.js';
import { podStatusOnNode } from './lost-node.js';

const running: PodStatus = {
  phase: 'Running',
  conditions: [
    { type: 'PodScheduled', status: 'True' },
    { type: 'ContainersReady', status: 'True' },
    { type: 'Ready', status: 'True' },
  ],
  containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'x:1', state: { running: { startedAt: 't' } } }],
};
const online: NodeStatus = { protocol: 'v1', node: 'pi-1', state: 'online' };
const offline: NodeStatus = { protocol: 'v1', node: 'pi-1', state: 'offline', reason: 'ConnectionLost', time: '2026-11-24T10:00:00Z' };

describe('podStatusOnNode', () => {
  it('leaves the pod of an online node as its agent reported it', () => {
    expect(podStatusOnNode(running, 'pi-1', online)).toBe(running);
  });

  it('shows the pod of an offline node as Unknown and not ready, saying why', () => {
    const s = podStatusOnNode(running, 'pi-1', offline);
    expect(s.phase).toBe('Unknown');
    expect(s.conditions).toEqual([
      { type: 'PodScheduled', status: 'True' },
      { type: 'ContainersReady', status: 'False', reason: 'NodeNotReady', message: 'node pi-1 is not ready: its agent is offline (ConnectionLost)', lastTransitionTime: '2026-11-24T10:00:00Z' },
      { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: 'node pi-1 is not ready: its agent is offline (ConnectionLost)', lastTransitionTime: '2026-11-24T10:00:00Z' },
    ]);
    expect(s.containerStatuses.map((c) => c.ready)).toEqual([false]);
  });

  it('keeps a finished pod finished', () => {
    const done: PodStatus = { ...running, phase: 'Succeeded' };
    expect(podStatusOnNode(done, 'pi-1', offline)).toBe(done);
  });

  it('says so when the node is held offline because its status stopped arriving', () => {
    const overdue: NodeStatus = { ...offline, reason: 'NodeStatusUnknown', time: '2026-11-24T09:59:30Z' };
    const s = podStatusOnNode(running, 'pi-1', overdue);
    expect(s.phase).toBe('Unknown');
    expect(s.conditions.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'NodeNotReady',
      message: 'node pi-1 is not ready: its agent stopped posting node status (NodeStatusUnknown)',
      lastTransitionTime: '2026-11-24T09:59:30Z',
    });
  });
});
