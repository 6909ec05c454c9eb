import type { Identity } from './identity.js';
import type { Topics } from './topics.js';

/**
 * Who may publish and subscribe where: the one rule set both brokers enforce (the
 * embedded one through these functions, mosquitto through the acl_file rendered from
 * aclPatterns). Pure.
 *
 * - coordinator: everything.
 * - admin (the CLI): subscribe to anything; publish requests and its own sync markers
 *   only. Never under `<root>/nodes/`: only the coordinator writes desired states. (Not
 *   "anything but nodes/#": mosquitto's acl_file cannot say "write all but a subtree"
 *   while reading it, and both brokers enforce the same rules.)
 * - node N: publish its own status, events and pod statuses; subscribe to its own
 *   desired state, status and pod statuses and to the coordinator's status. Nothing else.
 * - anonymous: nothing; with anonymousRead, subscribe to node statuses, pod statuses,
 *   events and the coordinator's status. Never desired states: they carry env values.
 *
 * A subscription filter with wildcards is allowed only when every topic it can match is.
 */

export interface AclOptions {
  readonly anonymousRead: boolean;
}

/** Topic patterns an identity may use: `+` and a final `#` as in MQTT filters. */
export interface AclPatterns {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

const EVERYTHING: AclPatterns = { publish: ['#'], subscribe: ['#'] };

/** What an identity may publish and subscribe to; every rule is one of these patterns. */
export function aclPatterns(identity: Identity, topics: Topics, options: AclOptions): AclPatterns {
  switch (identity.kind) {
    case 'coordinator':
      return EVERYTHING;
    case 'admin':
      return { publish: [topics.coordinatorRequests(), `${topics.root}/clients/+/sync`], subscribe: ['#'] };
    case 'node': {
      const own = `${topics.root}/nodes/${identity.node}`;
      return {
        publish: [`${own}/status`, `${own}/events`, `${own}/pods/+`],
        subscribe: [`${own}/desired`, `${own}/status`, `${own}/pods/+`, topics.coordinatorStatus()],
      };
    }
    case 'anonymous':
      return {
        publish: [],
        subscribe: options.anonymousRead ? [topics.allNodeStatuses(), topics.allPodStatuses(), topics.allNodeEvents(), topics.coordinatorStatus()] : [],
      };
  }
}

/** A topic a client may publish to at all: not empty, no wildcards, no NUL. */
function isTopicName(topic: string): boolean {
  return topic !== '' && !/[+#\u0000]/.test(topic);
}

/** A well-formed subscription filter: `#` only as a whole last level, `+` only as a whole level. */
function isFilter(filter: string): boolean {
  if (filter === '' || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => (level === '#' ? i === levels.length - 1 : level === '+' || !/[+#]/.test(level)));
}

/**
 * True if every topic `filter` can match is matched by `pattern` too. A wildcard in the
 * filter is covered only by a wildcard in the pattern: a literal level names one topic
 * of the unbounded many a wildcard matches. `$` topics follow MQTT: a first-level
 * wildcard does not match them, so only a pattern that names the `$` level covers them.
 */
export function filterCovered(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  if ((f[0] ?? '').startsWith('$') && (p[0] === '#' || p[0] === '+')) return false;
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    const fl = f[i];
    if (pl === '#') return true;
    if (pl === undefined) return false;
    if (fl === '#') return false; // only a pattern's # covers a filter's #; a literal level never covers a wildcard (below)
    if (pl !== '+' && pl !== fl) return false;
  }
  // `a/#` also matches `a` itself.
  return f.length === p.length || (p.length === f.length + 1 && p[f.length] === '#');
}

/** Empty levels are never a Baton topic (a pod status must name a pod). */
function hasEmptyLevel(topic: string): boolean {
  return topic.split('/').some((level) => level === '');
}

export function mayPublish(identity: Identity, topic: string, topics: Topics, options: AclOptions): boolean {
  if (!isTopicName(topic) || hasEmptyLevel(topic)) return false;
  return aclPatterns(identity, topics, options).publish.some((pattern) => filterCovered(topic, pattern));
}

export function maySubscribe(identity: Identity, filter: string, topics: Topics, options: AclOptions): boolean {
  if (!isFilter(filter)) return false;
  // "Everything" includes `$SYS` topics, which no `#` pattern covers.
  if (identity.kind === 'coordinator' || identity.kind === 'admin') return true;
  return aclPatterns(identity, topics, options).subscribe.some((pattern) => filterCovered(filter, pattern));
}
