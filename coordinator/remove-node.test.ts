import { describe, expect, it } from 'vitest';
import { removeNodeFromState } from './remove-node.js';
import { emptyState, type CoordinatorState } from './state.js';
import { pod } from './test-fixtures.js';

function stateWith(): CoordinatorState {
  const state = emptyState();
  state.pods = {
    a: pod('a', { nodeName: 'pi-1', ownerUid: 'd1' }),
    b: pod('b', { nodeName: 'pi-2', ownerUid: 'd1' }),
    c: pod('c', { nodeName: 'pi-1' }),
    d: pod('d'),
  };
  state.nodes = {
    'pi-1': { name: 'pi-1', uid: 'n1', creationTimestamp: '2025-01-01T00:00:00Z', generation: 4 },
    'pi-2': { name: 'pi-2', uid: 'n2', creationTimestamp: '2025-01-01T00:00:00Z', generation: 2 },
  };
  return state;
}

describe('removeNodeFromState', () => {
  it("drops the node's record and every pod bound to it, owned or not; leaves the rest", () => {
    const { state, deletedPods } = removeNodeFromState(stateWith(), 'pi-1');
    expect(deletedPods).toEqual(['a', 'c']);
    expect(Object.keys(state.pods).sort()).toEqual(['b', 'd']);
    expect(Object.keys(state.nodes)).toEqual(['pi-2']);
  });

  it('a node the store does not hold changes nothing', () => {
    const before = stateWith();
    const { state, deletedPods } = removeNodeFromState(before, 'pi-9');
    expect(deletedPods).toEqual([]);
    expect(state).toEqual(before);
  });
});
