import type { ListKind } from '../../protocol/requests.js';
import type { ManifestKind } from '../../protocol/manifest.js';

/** One resource kind as the CLI names it, in kubectl's words. */
export interface KindInfo {
  /** What `list` asks the coordinator for: `pods`. */
  list: ListKind;
  /** The manifest kind, for kinds that can be applied and deleted. */
  kind: ManifestKind | 'Node' | 'Event';
  singular: string;
  /** The API group kubectl shows in `deployment.apps/web`; empty for the core group. */
  group: string;
}

export const kinds: Record<ListKind, KindInfo> = {
  nodes: { list: 'nodes', kind: 'Node', singular: 'node', group: '' },
  pods: { list: 'pods', kind: 'Pod', singular: 'pod', group: '' },
  deployments: { list: 'deployments', kind: 'Deployment', singular: 'deployment', group: 'apps' },
  daemonsets: { list: 'daemonsets', kind: 'DaemonSet', singular: 'daemonset', group: 'apps' },
  events: { list: 'events', kind: 'Event', singular: 'event', group: '' },
};

const aliases: Record<string, ListKind> = {
  nodes: 'nodes', node: 'nodes', no: 'nodes',
  pods: 'pods', pod: 'pods', po: 'pods',
  deployments: 'deployments', deployment: 'deployments', deploy: 'deployments',
  'deployments.apps': 'deployments', 'deployment.apps': 'deployments',
  daemonsets: 'daemonsets', daemonset: 'daemonsets', ds: 'daemonsets',
  'daemonsets.apps': 'daemonsets', 'daemonset.apps': 'daemonsets',
  events: 'events', event: 'events', ev: 'events',
};

/** Resolves what a user typed (`po`, `deploy`, `DaemonSet`) to a kind; undefined if unknown. */
export function resolveKind(typed: string): KindInfo | undefined {
  const list = aliases[typed.toLowerCase()];
  return list === undefined ? undefined : kinds[list];
}

export function kindOf(manifestKind: string): KindInfo | undefined {
  return Object.values(kinds).find((info) => info.kind === manifestKind);
}

/** `deployment.apps/web`, as apply prints it. */
export function objectRef(info: KindInfo, name: string): string {
  return `${info.singular}${info.group ? `.${info.group}` : ''}/${name}`;
}

/** `deployment.apps "web"`, as delete prints it. */
export function quotedRef(info: KindInfo, name: string): string {
  return `${info.singular}${info.group ? `.${info.group}` : ''} "${name}"`;
}

/** `deployments.apps "web" not found`, as kubectl reports a missing object. */
export function notFoundMessage(info: KindInfo, name: string): string {
  return `${info.list}${info.group ? `.${info.group}` : ''} "${name}" not found`;
}

export const kindNames = 'nodes, pods, deployments, daemonsets, events (or node/no, pod/po, deployment/deploy, daemonset/ds, event/ev)';
