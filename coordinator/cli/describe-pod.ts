import type { EventItem, ListItem } from '../../protocol/requests.js';
import { containersLines, qosClass } from './describe-containers.js';
import { cell, eventLines, formatTime, indent, mapLines, renderDescription } from './describe-text.js';
import { viewDescribedPod, type DescribedPod, type VolumeView } from './describe-views.js';

/**
 * `baton describe pod NAME`: a pod as kubectl describes one, from the coordinator's item
 * (spec, and the status its node reported last) and the events about it. Pure.
 */

export function volumeLines(volumes: readonly VolumeView[]): string[] {
  if (volumes.length === 0) return ['Volumes:\t<none>'];
  const l2 = indent(2);
  return [
    'Volumes:',
    ...volumes.flatMap((v) => {
      const head = `${indent(1)}${cell(v.name)}:`;
      if (v.emptyDir !== undefined) {
        return [
          head,
          `${l2}Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)`,
          `${l2}Medium:\t${cell(v.emptyDir.medium)}`,
          `${l2}SizeLimit:\t${cell(v.emptyDir.sizeLimit ?? '<unset>')}`,
        ];
      }
      if (v.hostPath !== undefined) {
        return [head, `${l2}Type:\tHostPath (bare host directory volume)`, `${l2}Path:\t${cell(v.hostPath.path)}`, `${l2}HostPathType:\t${cell(v.hostPath.type)}`];
      }
      return [head, `${indent(1)}<unknown>`];
    }),
  ];
}

function conditionLines(pod: DescribedPod): string[] {
  const { conditions } = pod.status;
  if (conditions.length === 0) return [];
  return ['Conditions:', '  Type\tStatus', ...conditions.map((c) => `${indent(1)}${cell(c.type)} \t${cell(c.status)} `)];
}

/** The pod that made this one: `Deployment/web`. */
function controlledBy(pod: DescribedPod): string | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  return owner === undefined ? undefined : `${owner.kind}/${owner.name}`;
}

export function describePod(item: ListItem, events: readonly EventItem[], now: number): string {
  const pod = viewDescribedPod(item);
  const { metadata, spec, status } = pod;
  const node = spec.nodeName === undefined ? '<none>' : status.hostIP !== undefined ? `${spec.nodeName}/${status.hostIP}` : spec.nodeName;
  const owner = controlledBy(pod);
  return renderDescription([
    `Name:\t${cell(metadata.name)}`,
    `Namespace:\t${cell(metadata.namespace)}`,
    `Node:\t${cell(node)}`,
    ...(status.startTime !== undefined ? [`Start Time:\t${formatTime(status.startTime)}`] : []),
    ...mapLines('Labels', metadata.labels),
    ...mapLines('Annotations', metadata.annotations, ': '),
    `Status:\t${cell(status.phase)}`,
    ...(status.reason !== undefined && status.reason !== '' ? [`Reason:\t${cell(status.reason)}`] : []),
    ...(status.message !== undefined && status.message !== '' ? [`Message:\t${cell(status.message)}`] : []),
    `IP:\t${cell(status.podIP)}`,
    ...(status.podIP !== undefined ? ['IPs:', `${indent(1)}IP:\t${cell(status.podIP)}`] : ['IPs:\t<none>']),
    ...(owner !== undefined ? [`Controlled By:\t${cell(owner)}`] : []),
    ...containersLines(pod),
    ...conditionLines(pod),
    ...volumeLines(spec.volumes),
    `QoS Class:\t${qosClass(spec.containers)}`,
    ...mapLines('Node-Selectors', spec.nodeSelector),
    ...eventLines(events, now),
  ]);
}

/** True if `event` is about this pod: its name, and its uid when the coordinator knew it. */
export function isAboutPod(event: EventItem, item: ListItem): boolean {
  const { involvedObject } = event;
  if (involvedObject.kind !== 'Pod' || involvedObject.name !== item.metadata.name) return false;
  return involvedObject.uid === undefined || involvedObject.uid === item.metadata.uid;
}
