import { describe, expect, it } from 'vitest';
import { filterCovered, mayPublish, maySubscribe } from './acl.js';
import { adminIdentity, anonymousIdentity, coordinatorIdentity, nodeIdentity, type Identity } from './identity.js';
import { Topics } from './topics.js';

const topics = new Topics('baton');
const lab = new Topics('lab/fleet');
const A = nodeIdentity('pi-a');
const closed = { anonymousRead: false };
const open = { anonymousRead: true };

// [identity, topic, allowed]; the same under anonymous read on and off unless said.
const publishTable: [string, Identity, string, boolean][] = [
  ['coordinator writes desired states', coordinatorIdentity, 'baton/v1/nodes/pi-a/desired', true],
  ['coordinator writes replies', coordinatorIdentity, 'baton/v1/clients/baton-cli-1f/replies', true],
  ['coordinator writes its status', coordinatorIdentity, 'baton/v1/coordinator/status', true],
  ['coordinator writes outside the prefix', coordinatorIdentity, 'elsewhere/x', true],
  ['coordinator: no empty levels', coordinatorIdentity, 'baton/v1/nodes//desired', false],
  ['admin sends requests', adminIdentity, 'baton/v1/coordinator/requests', true],
  ['admin writes its sync marker', adminIdentity, 'baton/v1/clients/baton-cli-1f/sync', true],
  ['admin never writes outside the prefix', adminIdentity, 'elsewhere/x', false],
  ["admin never writes the coordinator's status", adminIdentity, 'baton/v1/coordinator/status', false],
  ['admin never writes replies', adminIdentity, 'baton/v1/clients/baton-cli-1f/replies', false],
  ['admin: a sync marker is one level deep', adminIdentity, 'baton/v1/clients/baton-cli-1f/sync/x', false],
  ['admin never writes a desired state', adminIdentity, 'baton/v1/nodes/pi-a/desired', false],
  ['admin never writes a node status', adminIdentity, 'baton/v1/nodes/pi-a/status', false],
  ['admin never writes a pod status', adminIdentity, 'baton/v1/nodes/pi-a/pods/web', false],
  ['admin never writes nodes itself', adminIdentity, 'baton/v1/nodes', false],
  ['admin: nodes/ with an empty level is under nodes/#', adminIdentity, 'baton/v1/nodes/', false],
  ['admin: another prefix', adminIdentity, 'other/v1/coordinator/requests', false],
  ['node writes its status', A, 'baton/v1/nodes/pi-a/status', true],
  ['node writes its events', A, 'baton/v1/nodes/pi-a/events', true],
  ['node writes a pod status', A, 'baton/v1/nodes/pi-a/pods/web-7f9c', true],
  ['node never writes its desired state', A, 'baton/v1/nodes/pi-a/desired', false],
  ["node never writes another node's status", A, 'baton/v1/nodes/pi-b/status', false],
  ["node never writes another node's pod status", A, 'baton/v1/nodes/pi-b/pods/web', false],
  ["node never writes another node's events", A, 'baton/v1/nodes/pi-b/events', false],
  ['node never writes requests', A, 'baton/v1/coordinator/requests', false],
  ["node never writes the coordinator's status", A, 'baton/v1/coordinator/status', false],
  ['node never writes replies', A, 'baton/v1/clients/baton-cli-1f/replies', false],
  ['node: a pod status must name a pod', A, 'baton/v1/nodes/pi-a/pods/', false],
  ['node: no deeper pod topics', A, 'baton/v1/nodes/pi-a/pods/web/x', false],
  ['node: no pods topic itself', A, 'baton/v1/nodes/pi-a/pods', false],
  ['node: no empty levels', A, 'baton/v1/nodes/pi-a//status', false],
  ['node: a name that only starts like its own', nodeIdentity('pi'), 'baton/v1/nodes/pi-a/status', false],
  ['node: another prefix', A, 'other/v1/nodes/pi-a/status', false],
  ['node: $SYS', A, '$SYS/broker/uptime', false],
  ['anonymous writes nothing', anonymousIdentity, 'baton/v1/nodes/pi-a/status', false],
  ['anonymous writes no request', anonymousIdentity, 'baton/v1/coordinator/requests', false],
  ['anonymous writes nothing anywhere', anonymousIdentity, 'x', false],
  ['no wildcard in a topic name', coordinatorIdentity, 'baton/v1/nodes/+/desired', false],
  ['no # in a topic name', adminIdentity, 'baton/v1/#', false],
  ['no empty topic', coordinatorIdentity, '', false],
];

describe('mayPublish', () => {
  it.each(publishTable)('%s', (_what, identity, topic, allowed) => {
    expect(mayPublish(identity, topic, topics, closed)).toBe(allowed);
    expect(mayPublish(identity, topic, topics, open)).toBe(allowed);
  });

  it('follows the prefix', () => {
    expect(mayPublish(A, 'lab/fleet/v1/nodes/pi-a/status', lab, closed)).toBe(true);
    expect(mayPublish(A, 'baton/v1/nodes/pi-a/status', lab, closed)).toBe(false);
    expect(mayPublish(adminIdentity, 'lab/fleet/v1/nodes/pi-a/desired', lab, closed)).toBe(false);
    expect(mayPublish(adminIdentity, 'lab/fleet/v1/coordinator/requests', lab, closed)).toBe(true);
  });
});

// [what, identity, filter, allowed with anonymous read off, allowed with it on]
const subscribeTable: [string, Identity, string, boolean, boolean][] = [
  ['coordinator reads everything', coordinatorIdentity, '#', true, true],
  ['coordinator reads requests', coordinatorIdentity, 'baton/v1/coordinator/requests', true, true],
  ['admin reads everything', adminIdentity, '#', true, true],
  ['admin reads $SYS', adminIdentity, '$SYS/#', true, true],
  ['admin reads every desired state', adminIdentity, 'baton/v1/nodes/+/desired', true, true],
  ['admin reads its replies', adminIdentity, 'baton/v1/clients/baton-cli-1f/replies', true, true],
  ['node reads its desired state', A, 'baton/v1/nodes/pi-a/desired', true, true],
  ['node reads its pod statuses', A, 'baton/v1/nodes/pi-a/pods/+', true, true],
  ['node reads one pod status', A, 'baton/v1/nodes/pi-a/pods/web', true, true],
  ['node reads its status', A, 'baton/v1/nodes/pi-a/status', true, true],
  ["node reads the coordinator's status", A, 'baton/v1/coordinator/status', true, true],
  ["node never reads another node's desired state", A, 'baton/v1/nodes/pi-b/desired', false, false],
  ['node never reads every desired state', A, 'baton/v1/nodes/+/desired', false, false],
  ['node never reads its whole subtree (desired is in it, but so are unknown topics)', A, 'baton/v1/nodes/pi-a/#', false, false],
  ['node never reads one level of its subtree', A, 'baton/v1/nodes/pi-a/+', false, false],
  ['node never reads everything', A, '#', false, false],
  ['node never reads every status', A, 'baton/v1/nodes/+/status', false, false],
  ["node never reads another node's pods", A, 'baton/v1/nodes/pi-b/pods/+', false, false],
  ['node never reads requests', A, 'baton/v1/coordinator/requests', false, false],
  ['node never reads replies', A, 'baton/v1/clients/+/replies', false, false],
  ['node: # under pods covers deeper topics', A, 'baton/v1/nodes/pi-a/pods/#', false, false],
  ['node: a wildcard for its own name', A, 'baton/v1/nodes/+/pods/+', false, false],
  ['node: $SYS', A, '$SYS/#', false, false],
  ['node: empty level', A, 'baton/v1/nodes/pi-a//desired', false, false],
  ['node: another prefix', A, 'other/v1/nodes/pi-a/desired', false, false],
  ['node: a shared subscription', A, '$share/g/baton/v1/nodes/pi-a/desired', false, false],
  ['anonymous reads node statuses only with anonymous read', anonymousIdentity, 'baton/v1/nodes/+/status', false, true],
  ['anonymous reads one node status', anonymousIdentity, 'baton/v1/nodes/pi-a/status', false, true],
  ['anonymous reads pod statuses', anonymousIdentity, 'baton/v1/nodes/+/pods/+', false, true],
  ["anonymous reads one node's pod statuses", anonymousIdentity, 'baton/v1/nodes/pi-a/pods/+', false, true],
  ['anonymous reads events', anonymousIdentity, 'baton/v1/nodes/+/events', false, true],
  ["anonymous reads the coordinator's status", anonymousIdentity, 'baton/v1/coordinator/status', false, true],
  ['anonymous never reads a desired state', anonymousIdentity, 'baton/v1/nodes/pi-a/desired', false, false],
  ['anonymous never reads every desired state', anonymousIdentity, 'baton/v1/nodes/+/desired', false, false],
  ['anonymous never reads a whole node', anonymousIdentity, 'baton/v1/nodes/+/+', false, false],
  ['anonymous never reads everything', anonymousIdentity, '#', false, false],
  ['anonymous never reads the prefix', anonymousIdentity, 'baton/#', false, false],
  ['anonymous never reads replies', anonymousIdentity, 'baton/v1/clients/+/replies', false, false],
  ['anonymous never reads requests', anonymousIdentity, 'baton/v1/coordinator/requests', false, false],
  ['anonymous never reads the coordinator subtree', anonymousIdentity, 'baton/v1/coordinator/#', false, false],
  ['anonymous: $SYS', anonymousIdentity, '$SYS/#', false, false],
  ['anonymous: deeper than a pod status', anonymousIdentity, 'baton/v1/nodes/+/pods/#', false, false],
  ['malformed: # not last', adminIdentity, 'baton/#/x', false, false],
  ['malformed: + inside a level', coordinatorIdentity, 'baton/v1/nodes/pi+/status', false, false],
  ['malformed: empty filter', adminIdentity, '', false, false],
];

describe('maySubscribe', () => {
  it.each(subscribeTable)('%s', (_what, identity, filter, whenClosed, whenOpen) => {
    expect(maySubscribe(identity, filter, topics, closed)).toBe(whenClosed);
    expect(maySubscribe(identity, filter, topics, open)).toBe(whenOpen);
  });

  it('follows the prefix', () => {
    expect(maySubscribe(A, 'lab/fleet/v1/nodes/pi-a/desired', lab, closed)).toBe(true);
    expect(maySubscribe(A, 'baton/v1/nodes/pi-a/desired', lab, closed)).toBe(false);
    expect(maySubscribe(anonymousIdentity, 'lab/fleet/v1/nodes/+/status', lab, open)).toBe(true);
  });
});

describe('filterCovered', () => {
  it.each<[string, string, boolean]>([
    ['a/b', 'a/b', true],
    ['a/b', 'a/+', true],
    ['a/+', 'a/b', false],
    ['a/+', 'a/+', true],
    ['a/#', 'a/+', false],
    ['a/#', 'a/#', true],
    ['a', 'a/#', true],
    ['a/b/c', 'a/#', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['a//c', 'a/+/c', true],
    ['$SYS/x', '#', false],
    ['$SYS/x', '+/x', false],
    ['$SYS/x', '$SYS/#', true],
  ])('%j within %j: %s', (filter, pattern, covered) => {
    expect(filterCovered(filter, pattern)).toBe(covered);
  });
});
