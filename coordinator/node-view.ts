import type { Taint } from '../protocol/manifest-scheduling.js';
import type { NodeStatus } from '../protocol/messages.js';
import type { NodeAllows } from '../protocol/node-allows.js';
import { parseAllocatable, type Allocatable } from './resources.js';

/**
 * What the controllers and the scheduler know of a node, derived from its retained
 * status. Presence separates a node heard from since the coordinator started (`online`,
 * `offline`) from one only remembered in the store (`unheard`: its status may still be
 * on its way) and one whose retained status was cleared (`gone`: removed from the fleet).
 */
export type NodePresence = 'online' | 'offline' | 'unheard' | 'gone';

export interface NodeView {
  name: string;
  presence: NodePresence;
  /** Online and reporting a Ready condition that is True: the only nodes new pods go to. */
  ready: boolean;
  labels: Readonly<Record<string, string>>;
  /** From the agent's `--taint` flags; absent means none. */
  taints?: readonly Taint[];
  /** What its agent's `--allow-*` flags let pods take from it; absent (an older agent, or not heard from) means nothing beyond plain containers. */
  allows?: NodeAllows;
  allocatable: Allocatable;
  /** Cordoned: the scheduler places no new pods here (DaemonSets ignore it). */
  unschedulable?: boolean;
}

export function isReadyStatus(status: NodeStatus): boolean {
  return status.state === 'online' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function viewNode(name: string, status: NodeStatus | undefined, gone: boolean, unschedulable = false): NodeView {
  const cordon = unschedulable ? { unschedulable: true } : {};
  if (status === undefined) {
    return { name, presence: gone ? 'gone' : 'unheard', ready: false, labels: {}, allocatable: {}, ...cordon };
  }
  return {
    ...cordon,
    name,
    presence: status.state,
    ready: isReadyStatus(status),
    labels: status.labels ?? {},
    ...(status.taints !== undefined && status.taints.length > 0 ? { taints: status.taints } : {}),
    ...(status.allows !== undefined ? { allows: status.allows } : {}),
    allocatable: parseAllocatable(status.allocatable),
  };
}

/** True if every key of the selector is a label of the node with the same value. */
export function matchesSelector(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
