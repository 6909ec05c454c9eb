import { describe, expect, it } from 'vitest';
import { kinds, notFoundMessage, objectRef, quotedRef, resolveKind } from './kinds.js';

describe('resolveKind', () => {
  it.each([
    ['nodes', 'nodes'], ['node', 'nodes'], ['no', 'nodes'],
    ['pods', 'pods'], ['pod', 'pods'], ['po', 'pods'], ['Pod', 'pods'],
    ['deployments', 'deployments'], ['deployment', 'deployments'], ['deploy', 'deployments'], ['deployment.apps', 'deployments'],
    ['daemonsets', 'daemonsets'], ['daemonset', 'daemonsets'], ['ds', 'daemonsets'], ['DaemonSet', 'daemonsets'],
    ['events', 'events'], ['event', 'events'], ['ev', 'events'],
  ])('%s -> %s', (typed, list) => {
    expect(resolveKind(typed)?.list).toBe(list);
  });

  it.each(['services', 'svc', '', 'p'])('%j is unknown', (typed) => {
    expect(resolveKind(typed)).toBeUndefined();
  });
});

describe('references in kubectl\'s words', () => {
  it.each([
    [kinds.pods, 'pod/web', 'pod "web"', 'pods "web" not found'],
    [kinds.deployments, 'deployment.apps/web', 'deployment.apps "web"', 'deployments.apps "web" not found'],
    [kinds.daemonsets, 'daemonset.apps/web', 'daemonset.apps "web"', 'daemonsets.apps "web" not found'],
    [kinds.nodes, 'node/web', 'node "web"', 'nodes "web" not found'],
    [kinds.events, 'event/web', 'event "web"', 'events "web" not found'],
  ])('%o', (info, ref, quoted, notFound) => {
    expect(objectRef(info, 'web')).toBe(ref);
    expect(quotedRef(info, 'web')).toBe(quoted);
    expect(notFoundMessage(info, 'web')).toBe(notFound);
  });
});
