import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../protocol/canonical-json.js';
import { emptyState, type CoordinatorState } from './state.js';
import { StoreText } from './store-text.js';
import { daemonSet, deployment, pod } from './test-fixtures.js';

function fleet(): CoordinatorState {
  return {
    ...emptyState(),
    deployments: { web: deployment('web', 2, { podSpec: { containers: [{ name: 'app', image: 'nginx', env: [{ name: 'A', value: 'x\ny' }] }] } }) },
    daemonSets: { agent: daemonSet('agent') },
    pods: { 'web-a': pod('web-a', { nodeName: 'pi-1', ownerUid: 'uid-web' }), 'web-b': pod('web-b', { labels: { z: '1', a: '2' } }) },
    nodes: { 'pi-1': { name: 'pi-1', generation: 3 } } as unknown as CoordinatorState['nodes'],
  };
}

describe('StoreText', () => {
  it('renders exactly what canonicalJson(state, 1) does', () => {
    const text = new StoreText();
    expect(text.render(emptyState())).toBe(canonicalJson(emptyState(), 1));
    expect(text.render(fleet())).toBe(canonicalJson(fleet(), 1));
  });

  it('stays exact across states that share most objects, whatever changed', () => {
    const text = new StoreText();
    const first = fleet();
    expect(text.render(first)).toBe(canonicalJson(first, 1));
    const second: CoordinatorState = { ...first, pods: { ...first.pods, 'web-c': pod('web-c', { nodeName: 'pi-2' }) } };
    delete (second.pods as Record<string, unknown>)['web-a'];
    expect(text.render(second)).toBe(canonicalJson(second, 1));
    const third: CoordinatorState = { ...second, deployments: {} };
    expect(text.render(third)).toBe(canonicalJson(third, 1));
    // The first state again: its objects' texts were kept and are still right.
    expect(text.render(first)).toBe(canonicalJson(first, 1));
  });
});
