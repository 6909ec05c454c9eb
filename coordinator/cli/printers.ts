import type { NodeStatus } from '../../protocol/messages.js';
import type { EventItem, ListItem } from '../../protocol/requests.js';
import { humanMemory } from '../../protocol/quantity.js';
import { formatAge } from './age.js';
import { cell } from './describe-text.js';
import type { KindInfo } from './kinds.js';
import { nodeRolesColumn, nodeStatusColumn } from './node-items.js';
import { podStatusColumn, readyColumn, restartsColumn } from './pod-status.js';
import { renderTable } from './tables.js';
import { viewDaemonSet, viewDeployment, viewPod, type PodSpecView } from './views.js';

/**
 * The tables of `baton get`, one column set per kind, as kubectl prints them. Pure:
 * items and the current time in, text out.
 */

export interface TableOptions {
  wide: boolean;
  now: number;
}

type Columns<T> = { headers: string[]; row: (item: T) => string[] };

function selectorText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

function containersText(spec: PodSpecView): [string, string] {
  return [spec.containers.map((c) => c.name).join(',') || '<none>', spec.containers.map((c) => c.image).join(',') || '<none>'];
}

function nodeColumns(wide: boolean, now: number, cordoned: ReadonlySet<string>): Columns<NodeStatus> {
  const headers = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'];
  if (wide) headers.push('ARCH', 'OS-IMAGE', 'KERNEL-VERSION', 'CPU', 'MEMORY', 'PI-MODEL', 'TEMP');
  return {
    headers,
    row: (status) => {
      const info = status.info;
      const row = [
        status.node,
        nodeStatusColumn(status, cordoned.has(status.node)),
        nodeRolesColumn(status.labels),
        formatAge(status.startedAt, now),
        info?.agentVersion ?? '<unknown>',
      ];
      if (wide) {
        row.push(
          info?.architecture ?? '<unknown>',
          info?.osImage ?? '<unknown>',
          info?.kernelVersion ?? '<unknown>',
          info !== undefined ? String(info.cpus) : (status.capacity?.cpu ?? '<unknown>'),
          info !== undefined ? humanMemory(info.memoryBytes) : (status.capacity?.memory ?? '<unknown>'),
          info?.piModel ?? '<none>',
          info?.temperatureCelsius !== undefined ? `${info.temperatureCelsius.toFixed(1)}°C` : '<none>',
        );
      }
      return row;
    },
  };
}

function podColumns(wide: boolean, now: number): Columns<ListItem> {
  const headers = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (wide) headers.push('IP', 'NODE');
  return {
    headers,
    row: (item) => {
      const pod = viewPod(item);
      const row = [
        item.metadata.name,
        readyColumn(pod.status, pod.spec.containers.length),
        podStatusColumn(pod.status),
        restartsColumn(pod.status),
        formatAge(item.metadata.creationTimestamp, now),
      ];
      if (wide) row.push(pod.status.podIP ?? '<none>', pod.spec.nodeName ?? '<none>');
      return row;
    },
  };
}

function deploymentColumns(wide: boolean, now: number): Columns<ListItem> {
  const headers = ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'];
  if (wide) headers.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  return {
    headers,
    row: (item) => {
      const { spec, status } = viewDeployment(item);
      const row = [
        item.metadata.name,
        `${status.readyReplicas}/${spec.replicas}`,
        String(status.updatedReplicas),
        String(status.availableReplicas),
        formatAge(item.metadata.creationTimestamp, now),
      ];
      if (wide) row.push(...containersText(spec.template.spec), selectorText(spec.selector?.matchLabels));
      return row;
    },
  };
}

function daemonSetColumns(wide: boolean, now: number): Columns<ListItem> {
  const headers = ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'];
  if (wide) headers.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  return {
    headers,
    row: (item) => {
      const { spec, status } = viewDaemonSet(item);
      const row = [
        item.metadata.name,
        String(status.desiredNumberScheduled),
        String(status.currentNumberScheduled),
        String(status.numberReady),
        String(status.updatedNumberScheduled),
        String(status.numberAvailable),
        selectorText(spec.template.spec.nodeSelector),
        formatAge(item.metadata.creationTimestamp, now),
      ];
      if (wide) row.push(...containersText(spec.template.spec), selectorText(spec.selector?.matchLabels));
      return row;
    },
  };
}

/** OBJECT: `pod/web`, `node/pi-1`, as kubectl names the involved object. */
function eventObject(event: EventItem): string {
  const kind = event.involvedObject.kind.toLowerCase();
  return event.involvedObject.name === '' ? kind : `${kind}/${event.involvedObject.name}`;
}

function eventColumns(wide: boolean, now: number): Columns<EventItem> {
  const headers = wide
    ? ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']
    : ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  return {
    headers,
    row: (event) => {
      const message = cell(event.message.trim());
      const base = [formatAge(event.lastTimestamp, now), cell(event.type), cell(event.reason), cell(eventObject(event))];
      if (!wide) return [...base, message];
      const source = event.source.host !== undefined && event.source.host !== '' ? `${event.source.component}, ${event.source.host}` : event.source.component;
      return [...base, cell(event.involvedObject.fieldPath ?? ''), cell(source), message, formatAge(event.firstTimestamp, now), String(event.count), cell(event.metadata.name)];
    },
  };
}

/** The events table, in the order given (oldest first). */
export function renderEvents(events: readonly EventItem[], options: TableOptions): string {
  const columns = eventColumns(options.wide, options.now);
  return renderTable(columns.headers, events.map(columns.row));
}

/** The nodes table, from the nodes' own retained statuses; `cordoned` from the coordinator. */
export function renderNodes(statuses: readonly NodeStatus[], options: TableOptions & { cordoned?: ReadonlySet<string> }): string {
  const columns = nodeColumns(options.wide, options.now, options.cordoned ?? new Set());
  return renderTable(columns.headers, statuses.map(columns.row));
}

/** The table of objects listed by the coordinator. */
export function renderItems(kind: Exclude<KindInfo['list'], 'nodes' | 'events'>, items: readonly ListItem[], options: TableOptions): string {
  const columns =
    kind === 'pods' ? podColumns(options.wide, options.now)
    : kind === 'deployments' ? deploymentColumns(options.wide, options.now)
    : daemonSetColumns(options.wide, options.now);
  return renderTable(columns.headers, items.map(columns.row));
}
