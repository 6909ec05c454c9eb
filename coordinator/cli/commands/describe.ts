import { decodePayload } from '../../../protocol/codec.js';
import { nodeStatusSchema, type NodeStatus } from '../../../protocol/messages.js';
import { listResultSchema, type EventItem, type ListItem } from '../../../protocol/requests.js';
import { subdomainName } from '../../../protocol/names.js';
import { validate } from '../../../protocol/validation.js';
import type { DescribableKind, GlobalOptions } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { describeNode, isAboutNode } from '../describe-node.js';
import { describePod, isAboutPod } from '../describe-pod.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { notFoundMessage } from '../kinds.js';
import { overlayRetainedReports } from '../pod-overlay.js';
import { readRetained } from '../retained.js';
import { withSession, type Session } from '../session.js';
import { coordinatorNodes, requestEvents } from './get.js';
import { withCoordinatorVerdict } from '../node-items.js';

/** What `describe` found, before it is printed. */
type Found =
  | { kind: 'pods'; pods: ListItem[]; events: EventItem[] }
  | { kind: 'nodes'; statuses: NodeStatus[]; cordoned: ReadonlySet<string>; pods: ListItem[]; events: EventItem[] };

/**
 * `baton describe pod|node [NAME]`: one object (or every one of the kind) described as
 * kubectl does, with the events the coordinator keeps about it. Pods come from the
 * coordinator with their nodes' retained statuses laid over, as in `get`; nodes from
 * their agents' retained statuses, plus the pods bound to them and their events from
 * the coordinator. Several descriptions are separated by a blank line.
 */
export async function describe(kind: DescribableKind, name: string | undefined, globals: GlobalOptions, io: Io): Promise<number> {
  let found: Found;
  try {
    found = await withSession(globals, (session) => (kind.list === 'pods' ? findPods(session, name) : findNodes(session, name)));
  } catch (error) {
    if (!(error instanceof CoordinatorError)) throw error;
    if (error.code === 'NotFound' && name !== undefined) io.err(`Error from coordinator: ${notFoundMessage(kind, name)}`);
    else for (const line of coordinatorErrorLines(error)) io.err(line);
    return 1;
  }

  const now = io.now();
  let descriptions: string[];
  if (found.kind === 'pods') {
    descriptions = found.pods.map((pod) => describePod(pod, found.events.filter((e) => isAboutPod(e, pod)), now));
  } else {
    descriptions = found.statuses.map((status) =>
      describeNode(
        status,
        found.pods.filter((p) => p.spec['nodeName'] === status.node),
        found.events.filter((e) => isAboutNode(e, status.node)),
        now,
        found.cordoned.has(status.node),
      ),
    );
  }
  if (descriptions.length === 0) {
    if (name !== undefined) {
      io.err(kind.list === 'nodes' ? `Error: ${notFoundMessage(kind, name)}` : `Error from coordinator: ${notFoundMessage(kind, name)}`);
      return 1;
    }
    io.err('No resources found.');
    return 0;
  }
  io.out(descriptions.join('\n\n'));
  return 0;
}

/** `list pods` (one pod, or all), its status overlay and its events; all settled before anything is thrown. */
async function listPods(session: Session, name: string | undefined, events: Parameters<typeof requestEvents>[1]): Promise<{ pods: ListItem[]; events: EventItem[] }> {
  const client = new CoordinatorClient(session);
  await client.start();
  const [listed, read, evented] = await Promise.allSettled([
    client.request({ op: 'list', kind: 'pods', ...(name !== undefined ? { name } : {}) }),
    readRetained(session, [session.topics.allPodStatuses()]),
    requestEvents(client, events),
  ]);
  if (listed.status === 'rejected') throw listed.reason;
  if (read.status === 'rejected') throw read.reason;
  if (evented.status === 'rejected') throw evented.reason;
  const pods = validate(listResultSchema, listed.value);
  if (!pods.ok) throw new CliError(`the coordinator's reply to list pods cannot be read: ${pods.problems.slice(0, 3).join('; ')}`);
  const items = overlayRetainedReports(
    pods.value.items.filter((i) => name === undefined || i.metadata.name === name),
    read.value,
    session.topics,
  ).sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
  return { pods: items, events: evented.value };
}

async function findPods(session: Session, name: string | undefined): Promise<Found> {
  // With a name, only that pod's events are asked for; the uid check happens here, once the pod is known.
  const { pods, events } = await listPods(session, name, name !== undefined ? { involvedObject: { kind: 'Pod', name } } : {});
  return { kind: 'pods', pods, events };
}

async function findNodes(session: Session, name: string | undefined): Promise<Found> {
  if (name !== undefined && !subdomainName.safeParse(name).success) return { kind: 'nodes', statuses: [], cordoned: new Set(), pods: [], events: [] };
  const filter = name === undefined ? session.topics.allNodeStatuses() : session.topics.nodeStatus(name);
  const statuses: NodeStatus[] = [];
  for (const payload of (await readRetained(session, [filter])).values()) {
    const decoded = decodePayload(nodeStatusSchema, payload);
    if (decoded.ok) statuses.push(decoded.value);
  }
  statuses.sort((a, b) => compareNames(a.node, b.node));
  // A node that is not there is reported without asking the coordinator anything.
  if (statuses.length === 0) return { kind: 'nodes', statuses, cordoned: new Set(), pods: [], events: [] };
  const { pods, events } = await listPods(session, undefined, name !== undefined ? { involvedObject: { kind: 'Node', name } } : {});
  // The coordinator's word on readiness (a node whose status is overdue) and cordons.
  const verdict = await coordinatorNodes(session);
  return { kind: 'nodes', statuses: statuses.map((s) => withCoordinatorVerdict(s, verdict.statuses.get(s.node))), cordoned: verdict.cordoned, pods, events };
}

/** Byte order, as kubectl sorts names; independent of the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
