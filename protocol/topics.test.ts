import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, Topics, topicMatches } from './topics.js';

describe('Topics', () => {
  const topics = new Topics();

  it.each<[string, string, string]>([
    ['nodeStatus', topics.nodeStatus('pi-1'), 'baton/v1/nodes/pi-1/status'],
    ['nodeDesired', topics.nodeDesired('pi-1'), 'baton/v1/nodes/pi-1/desired'],
    ['podStatus', topics.podStatus('pi-1', 'web'), 'baton/v1/nodes/pi-1/pods/web'],
    ['nodeEvents', topics.nodeEvents('pi-1'), 'baton/v1/nodes/pi-1/events'],
    ['allNodeStatuses', topics.allNodeStatuses(), 'baton/v1/nodes/+/status'],
    ['allPodStatuses', topics.allPodStatuses(), 'baton/v1/nodes/+/pods/+'],
    ['allPodStatuses of one node', topics.allPodStatuses('pi-2'), 'baton/v1/nodes/pi-2/pods/+'],
    ['coordinatorRequests', topics.coordinatorRequests(), 'baton/v1/coordinator/requests'],
    ['coordinatorStatus', topics.coordinatorStatus(), 'baton/v1/coordinator/status'],
    ['clientReplies', topics.clientReplies('baton-cli-1'), 'baton/v1/clients/baton-cli-1/replies'],
    ['clientSync', topics.clientSync('baton-cli-1'), 'baton/v1/clients/baton-cli-1/sync'],
  ])('%s', (_what, topic, expected) => {
    expect(topic).toBe(expected);
  });

  it('uses the prefix it is given', () => {
    expect(DEFAULT_PREFIX).toBe('baton');
    expect(new Topics('home/pis').nodeStatus('pi-1')).toBe('home/pis/v1/nodes/pi-1/status');
  });

  it.each<[string, { node: string; rest: string[] } | undefined]>([
    ['baton/v1/nodes/pi-1/status', { node: 'pi-1', rest: ['status'] }],
    ['baton/v1/nodes/pi-1/pods/web', { node: 'pi-1', rest: ['pods', 'web'] }],
    ['baton/v1/nodes/pi-1', undefined],
    ['baton/v1/nodes//status', undefined],
    ['baton/v1/coordinator/status', undefined],
    ['other/v1/nodes/pi-1/status', undefined],
  ])('parseNodeTopic(%s)', (topic, expected) => {
    expect(topics.parseNodeTopic(topic)).toEqual(expected);
  });
});

describe('topicMatches', () => {
  it.each<[string, string, boolean]>([
    ['baton/v1/nodes/+/status', 'baton/v1/nodes/pi-1/status', true],
    ['baton/v1/nodes/+/status', 'baton/v1/nodes/pi-1/pods/web', false],
    ['baton/v1/nodes/+/pods/+', 'baton/v1/nodes/pi-1/pods/web', true],
    ['baton/v1/nodes/+/pods/+', 'baton/v1/nodes/pi-1/pods', false],
    ['baton/#', 'baton/v1/nodes/pi-1/status', true],
    // MQTT: `#` also matches the level above it.
    ['baton/v1/#', 'baton/v1', true],
    ['baton/v1/#', 'baton/v2/x', false],
    ['#', 'anything/at/all', true],
    ['baton/v1/coordinator/status', 'baton/v1/coordinator/status', true],
    ['baton/v1/coordinator/status', 'baton/v1/coordinator/status/x', false],
    ['baton/v1/coordinator/status/x', 'baton/v1/coordinator/status', false],
    ['+/+', 'a/b', true],
    ['+', 'a/b', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
