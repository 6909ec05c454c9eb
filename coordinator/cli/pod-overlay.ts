import { decodePayload } from '../../protocol/codec.js';
import { podStatusReportSchema, type PodStatus, type PodStatusReport } from '../../protocol/messages.js';
import { type ListItem } from '../../protocol/requests.js';
import type { Topics } from '../../protocol/topics.js';

/**
 * Pods as the coordinator lists them, with each pod's status replaced by the one its
 * node published last (retained `nodes/<node>/pods/<pod>`), which is fresher than the
 * coordinator's copy; except while the coordinator shows the pod Unknown (its node is
 * offline). A report only counts for the same pod uid: a pod deleted and re-created
 * under its old name must not show its predecessor's status.
 */
export function overlayPodStatuses(
  items: readonly ListItem[],
  reportFor: (node: string, pod: string) => PodStatusReport | undefined,
): ListItem[] {
  return items.map((item) => {
    const nodeName = item.spec['nodeName'];
    if (typeof nodeName !== 'string' || nodeName === '') return item;
    // The coordinator knows the node is offline: the node's last report says nothing now.
    if (item.status?.['phase'] === 'Unknown') return item;
    const report = reportFor(nodeName, item.metadata.name);
    if (report === undefined || report.uid !== item.metadata.uid) return item;
    const status: PodStatus = report.status;
    return { ...item, status };
  });
}

/** The same, with the reports read off the broker (topic -> retained payload); unreadable ones are skipped. */
export function overlayRetainedReports(items: readonly ListItem[], retained: ReadonlyMap<string, Buffer>, topics: Topics): ListItem[] {
  return overlayPodStatuses(items, (node, pod) => {
    const payload = retained.get(topics.podStatus(node, pod));
    if (payload === undefined) return undefined;
    const decoded = decodePayload(podStatusReportSchema, payload);
    return decoded.ok ? decoded.value : undefined;
  });
}
