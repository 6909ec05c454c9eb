import { encodePayload } from '../../protocol/codec.js';
import type { PodStatus, PodStatusReport } from '../../protocol/messages.js';
import { fakeNodeStatus, type ListedItem, type TestClient } from './coordinator-harness.js';

export type Verdict = 'ready' | 'notReady' | 'imagePullBackOff';

export const imageOf = (pod: ListedItem): string => ((pod.spec.containers as { image: string }[] | undefined) ?? [])[0]?.image ?? '';

function podStatus(verdict: Verdict, image: string): PodStatus {
  const startedAt = new Date().toISOString();
  switch (verdict) {
    case 'ready':
      return {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image, state: { running: { startedAt } } }],
      };
    case 'notReady':
      return {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image, state: { running: { startedAt } } }],
      };
    case 'imagePullBackOff':
      return {
        phase: 'Pending',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 0, image, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } },
        ],
      };
  }
}

/**
 * The agent of one node, faked over the real broker: heartbeats, and a retained status
 * report for every pod bound to it (as `verdict` says), cleared once the pod is gone.
 */
export class FakeNode {
  private readonly published = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastBeat = 0;

  /** `verdict`: what the node reports for a pod; the test may change it as it goes. */
  constructor(
    private readonly client: TestClient,
    private readonly node: string,
    public verdict: (pod: ListedItem) => Verdict = () => 'ready',
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 150);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // A heartbeat, so the node is never taken for gone however long the test runs.
      if (Date.now() - this.lastBeat > 5000) {
        this.lastBeat = Date.now();
        await this.client.setNode(fakeNodeStatus(this.node));
      }
      const pods = (await this.client.list('pods')).filter((p) => p.spec.nodeName === this.node);
      const names = new Set(pods.map((p) => p.metadata.name));
      for (const pod of pods) {
        const verdict = this.verdict(pod);
        const key = `${pod.metadata.uid}/${verdict}`;
        if (this.published.get(pod.metadata.name) === key) continue;
        const generation = this.client.desired(this.node)?.generation ?? 0;
        const report: PodStatusReport = {
          protocol: 'v1',
          node: this.node,
          name: pod.metadata.name,
          uid: pod.metadata.uid,
          observedGeneration: generation,
          status: podStatus(verdict, imageOf(pod)),
        };
        await this.client.publishRaw(this.client.topics.podStatus(this.node, pod.metadata.name), encodePayload(report), true);
        this.published.set(pod.metadata.name, key);
      }
      for (const name of [...this.published.keys()].filter((n) => !names.has(n))) {
        await this.client.publishRaw(this.client.topics.podStatus(this.node, name), '', true);
        this.published.delete(name);
      }
    } catch {
      // The coordinator did not answer this once; the next tick tries again.
    } finally {
      this.busy = false;
    }
  }
}
