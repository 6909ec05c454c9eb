import type { NodeStatus, PodStatus } from '../protocol/messages.js';
import type { EventItem, ListItem, ListKind } from '../protocol/requests.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { deploymentItem } from './deployment-item.js';
import { daemonSetCoverage, REVISION_HASH_LABEL } from './controllers/daemonset.js';
import { ownerUidOf, type PodAvailability } from './controllers/owned.js';
import type { ProgressRecord } from './deployment-progress.js';
import { compareEventItems, eventItem } from './event-items.js';
import { matchesFilter, type EventFilter, type RecordedEvent } from './events.js';
import { podTemplateHash } from './pod-names.js';
import { podStatusOnNode } from './lost-node.js';
import { isPodReady, nodeViews, type Observations } from './reconcile.js';
import type { CoordinatorState, StoredDaemonSet, StoredDeployment, StoredPod } from './state.js';

/**
 * `list` replies as Kubernetes-style objects: metadata, spec as applied (pods with
 * `spec.nodeName` once bound) and status from what the nodes reported.
 */

export interface ListContext {
  state: CoordinatorState;
  observed: Observations;
  /** Pod name -> the scheduler's last word on why it is not placed. */
  unschedulable: ReadonlyMap<string, string>;
  /** The generation the controllers last acted on, per object uid. */
  observedGeneration(uid: string): number | undefined;
  /** The node events still kept, as of the request. */
  events: readonly RecordedEvent[];
  /**
   * A Deployment's rollout progress as tracked after each pass, settled at the time of
   * the request (deployment-progress.ts progressLookup). Absent: its conditions are
   * derived from its pods alone, without times.
   */
  deploymentProgress?(uid: string): ProgressRecord | undefined;
  /** How the control loop sees a pod (lost pods are not counted in a Deployment's status). Absent: from its report alone. */
  podAvailability?(pod: StoredPod): PodAvailability;
}

function pendingStatus(pod: StoredPod, unschedulable: ReadonlyMap<string, string>): PodStatus {
  const message = unschedulable.get(pod.metadata.name);
  const scheduled = pod.nodeName !== undefined;
  return {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: scheduled ? 'True' : 'False',
        ...(!scheduled && message !== undefined ? { reason: 'Unschedulable', message } : {}),
      },
    ],
    containerStatuses: [],
  };
}

/** The pod's status as its node last reported it, or Unknown while that node is offline. */
export function reportedStatus(pod: StoredPod, context: ListContext): PodStatus | undefined {
  const status = context.observed.podStatus(pod.metadata.uid);
  if (status === undefined || pod.nodeName === undefined) return status;
  return podStatusOnNode(status, pod.nodeName, context.observed.nodeStatuses.get(pod.nodeName));
}

export function podItem(pod: StoredPod, context: ListContext): ListItem {
  const { metadata } = pod;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      creationTimestamp: metadata.creationTimestamp,
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
      ...(metadata.ownerReferences ? { ownerReferences: metadata.ownerReferences } : {}),
    },
    spec: { ...pod.spec, ...(pod.nodeName !== undefined ? { nodeName: pod.nodeName } : {}) },
    status: reportedStatus(pod, context) ?? pendingStatus(pod, context.unschedulable),
  };
}

export function ownedPods(state: CoordinatorState, uid: string): StoredPod[] {
  return Object.values(state.pods).filter((p) => ownerUidOf(p) === uid);
}

export function workloadMetadata(object: StoredDeployment | StoredDaemonSet): ListItem['metadata'] {
  return { ...object.metadata };
}

export function daemonSetItem(daemonSet: StoredDaemonSet, context: ListContext): ListItem {
  const pods = ownedPods(context.state, daemonSet.metadata.uid);
  const hash = podTemplateHash(daemonSet.spec.template);
  const ready = pods.filter((p) => isPodReady(reportedStatus(p, context))).length;
  const coverage = daemonSetCoverage(daemonSet, nodeViews(context.state, context.observed), pods);
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: workloadMetadata(daemonSet),
    spec: { ...daemonSet.spec },
    status: {
      desiredNumberScheduled: coverage.desired,
      currentNumberScheduled: coverage.scheduled,
      numberReady: ready,
      numberAvailable: ready,
      updatedNumberScheduled: pods.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash).length,
      observedGeneration: context.observedGeneration(daemonSet.metadata.uid) ?? 0,
    },
  };
}

/** A node known from the store whose status has not arrived since the coordinator started. */
function unknownNodeStatus(name: string): NodeStatus {
  return { protocol: PROTOCOL_VERSION, node: name, state: 'offline', reason: 'NodeStatusUnknown' };
}

export function nodeItems(context: ListContext): ListItem[] {
  const { state, observed } = context;
  // A node whose status was cleared has left the fleet; it stays in the store only so
  // that its generation never goes back.
  const names = new Set([...Object.keys(state.nodes).filter((n) => !observed.goneNodes.has(n)), ...observed.nodeStatuses.keys()]);
  return [...names].map((name) => {
    const stored = state.nodes[name];
    const status = observed.nodeStatuses.get(name) ?? unknownNodeStatus(name);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        namespace: '',
        uid: stored?.uid ?? '',
        creationTimestamp: stored?.creationTimestamp ?? status.startedAt ?? status.time ?? '',
        ...(status.labels ? { labels: status.labels } : {}),
      },
      // Kubernetes' Node spec field: a cordoned node says `unschedulable: true`.
      spec: stored?.unschedulable === true ? { unschedulable: true } : {},
      status: { ...status },
    };
  });
}

/** Events oldest last first; only the one named `name`, or those about `involved`, if given. */
export function eventItems(name: string | undefined, involved: EventFilter | undefined, events: readonly RecordedEvent[]): EventItem[] {
  return events
    .filter((e) => involved === undefined || matchesFilter(e, involved))
    .map(eventItem)
    .filter((i) => name === undefined || i.metadata.name === name)
    .sort(compareEventItems);
}

/**
 * The items of one kind, sorted by name (events by time); only `name` if given. Events
 * have no spec, as in Kubernetes; listItemSchema reads them with an empty one.
 */
export function listItems(kind: ListKind, name: string | undefined, context: ListContext, involved?: EventFilter): ListItem[] | EventItem[] {
  const { state } = context;
  let items: ListItem[];
  switch (kind) {
    case 'events':
      return eventItems(name, involved, context.events);
    case 'pods':
      items = Object.values(state.pods).map((p) => podItem(p, context));
      break;
    case 'deployments':
      items = Object.values(state.deployments).map((d) => deploymentItem(d, context));
      break;
    case 'daemonsets':
      items = Object.values(state.daemonSets).map((d) => daemonSetItem(d, context));
      break;
    case 'nodes':
      items = nodeItems(context);
      break;
    default: {
      const never: never = kind;
      throw new Error(`unexpected list kind ${String(never)}`);
    }
  }
  return items.filter((i) => name === undefined || i.metadata.name === name).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
