import { describe, expect, it } from 'vitest';
import { createLogger } from '../protocol/log.js';
import type { PodStatusReport } from '../protocol/messages.js';
import { MqttLink } from '../protocol/mqtt-link.js';
import { Topics } from '../protocol/topics.js';
import { PodStatusPublisher } from './pod-status-publisher.js';
import { desired, NODE, planContext, pod } from './testing/fixtures.js';

/**
 * What the publisher makes of the statuses it reads back from the broker. The link is
 * never started: a publish is refused (and logged), which is all `update` needs here.
 */

const topics = new Topics();
const log = createLogger('test', 'silent');

function publisher(): PodStatusPublisher {
  return new PodStatusPublisher(NODE, new MqttLink({ url: 'mqtt://127.0.0.1:1', clientId: 'unit', reconnect: false }), topics, log);
}

const report = (name: string, node = NODE): Buffer => {
  const value: PodStatusReport = { protocol: 'v1', node, name, uid: `uid-${name}`, observedGeneration: 1, status: { phase: 'Running', conditions: [], containerStatuses: [] } };
  return Buffer.from(JSON.stringify(value));
};

describe('PodStatusPublisher.onMessage', () => {
  it('asks for a pass when the broker holds a status of a pod it does not publish', () => {
    const p = publisher();
    p.update(desired([pod('keep')]), [], { ...planContext(), runtimeScheme: 'docker' });
    expect(p.onMessage(topics.podStatus(NODE, 'gone'), report('gone'))).toBe(true);
    expect(p.onMessage(topics.podStatus(NODE, 'keep'), report('keep'))).toBe(false);
  });

  it('asks for nothing on a cleared status, a bad one, or one naming another pod or node', () => {
    const p = publisher();
    expect(p.onMessage(topics.podStatus(NODE, 'gone'), Buffer.alloc(0))).toBe(false);
    expect(p.onMessage(topics.podStatus(NODE, 'gone'), Buffer.from('{ nope'))).toBe(false);
    expect(p.onMessage(topics.podStatus(NODE, 'gone'), report('other'))).toBe(false);
    expect(p.onMessage(topics.podStatus(NODE, 'gone'), report('gone', 'pi-2'))).toBe(false);
  });
});
