import { decodePayload } from '../../../protocol/codec.js';
import { coordinatorStatusSchema, nodeStatusSchema, type NodeStatus } from '../../../protocol/messages.js';
import { eventListResultSchema, listResultSchema, type EventItem, type ListItem } from '../../../protocol/requests.js';
import { subdomainName } from '../../../protocol/names.js';
import { validate } from '../../../protocol/validation.js';
import { compareEventItems } from '../../event-items.js';
import type { GlobalOptions, OutputFormat } from '../args.js';
import { CoordinatorClient } from '../coordinator-client.js';
import { CliError, CoordinatorError, coordinatorErrorLines, type Io } from '../errors.js';
import { notFoundMessage, type KindInfo } from '../kinds.js';
import { nodeItem, withCoordinatorVerdict } from '../node-items.js';
import { formatObjects } from '../output.js';
import { overlayRetainedReports } from '../pod-overlay.js';
import { renderEvents, renderItems, renderNodes } from '../printers.js';
import { readRetained } from '../retained.js';
import type { Session } from '../session.js';
import { withSession } from '../session.js';

/** What `get` found, before it is printed. */
type Found =
  /**
   * `statuses`: the agents' retained statuses, except where the coordinator holds a node
   * offline (its status overdue); `cordoned`: the nodes the coordinator says are
   * unschedulable; `warning` if it could not be asked.
   */
  | { kind: 'nodes'; statuses: NodeStatus[]; cordoned: ReadonlySet<string>; warning?: string }
  | { kind: 'events'; events: EventItem[] }
  | { kind: Exclude<KindInfo['list'], 'nodes' | 'events'>; items: ListItem[] };

/**
 * `baton get KIND [NAME] [-o ...]`. Nodes come straight from the agents' retained
 * statuses (no coordinator needed), with the coordinator's verdict laid over when it is
 * online; everything else from a `list` request, pods with their nodes' fresher
 * retained statuses laid over.
 */
export async function get(kind: KindInfo, name: string | undefined, output: OutputFormat, globals: GlobalOptions, io: Io): Promise<number> {
  let found: Found;
  try {
    found = await withSession(globals, (session) =>
      kind.list === 'nodes' ? readNodes(session, name) : kind.list === 'events' ? listEvents(session, name) : listObjects(session, kind, name),
    );
  } catch (error) {
    if (!(error instanceof CoordinatorError)) throw error;
    if (error.code === 'NotFound' && name !== undefined) io.err(`Error from coordinator: ${notFoundMessage(kind, name)}`);
    else for (const line of coordinatorErrorLines(error)) io.err(line);
    return 1;
  }

  if (found.kind === 'nodes' && found.warning !== undefined) io.err(found.warning);
  const count = found.kind === 'nodes' ? found.statuses.length : found.kind === 'events' ? found.events.length : found.items.length;
  if (name !== undefined && count === 0) {
    io.err(kind.list === 'nodes' ? `Error: ${notFoundMessage(kind, name)}` : `Error from coordinator: ${notFoundMessage(kind, name)}`);
    return 1;
  }
  if (output === 'json' || output === 'yaml') {
    const items = found.kind === 'nodes' ? found.statuses.map((s) => nodeItem(s, found.cordoned.has(s.node))) : found.kind === 'events' ? found.events : found.items;
    io.out(formatObjects(items, output, name !== undefined));
    return 0;
  }
  if (count === 0) {
    io.err('No resources found.');
    return 0;
  }
  const options = { wide: output === 'wide', now: io.now() };
  io.out(
    found.kind === 'nodes' ? renderNodes(found.statuses, { ...options, cordoned: found.cordoned })
    : found.kind === 'events' ? renderEvents(found.events, options)
    : renderItems(found.kind, found.items, options),
  );
  return 0;
}

async function readNodes(session: Session, name: string | undefined): Promise<Found> {
  const none = new Set<string>();
  if (name !== undefined && !subdomainName.safeParse(name).success) return { kind: 'nodes', statuses: [], cordoned: none };
  const filter = name === undefined ? session.topics.allNodeStatuses() : session.topics.nodeStatus(name);
  const coordinatorTopic = session.topics.coordinatorStatus();
  const retained = await readRetained(session, [filter, coordinatorTopic]);
  const statuses: NodeStatus[] = [];
  for (const [topic, payload] of retained) {
    if (topic === coordinatorTopic) continue;
    const decoded = decodePayload(nodeStatusSchema, payload);
    if (decoded.ok) statuses.push(decoded.value);
  }
  statuses.sort((a, b) => compareNames(a.node, b.node));
  // Readiness comes from the agents, but a node whose agent went silent without its last
  // will still says online there: the coordinator, which holds such a node offline once
  // its status is overdue, has the last word, and it alone knows the cordon marks. It is
  // asked only when its retained status says it is online; if it does not answer, the
  // agents' statuses are printed as they are, with a warning.
  const coordinator = retained.get(coordinatorTopic);
  const decoded = coordinator === undefined ? undefined : decodePayload(coordinatorStatusSchema, coordinator);
  const online = decoded?.ok === true && decoded.value.state === 'online';
  if (!online || statuses.length === 0) return { kind: 'nodes', statuses, cordoned: none };
  try {
    const verdict = await coordinatorNodes(session);
    return { kind: 'nodes', statuses: statuses.map((s) => withCoordinatorVerdict(s, verdict.statuses.get(s.node))), cordoned: verdict.cordoned };
  } catch (error) {
    if (!(error instanceof CliError || error instanceof CoordinatorError)) throw error;
    return { kind: 'nodes', statuses, cordoned: none, warning: `Warning: cannot ask the coordinator which nodes are cordoned or NotReady: ${error.message}` };
  }
}

/** The coordinator's `list nodes`: the node statuses it holds, and the nodes whose `spec.unschedulable` it sets. */
export async function coordinatorNodes(session: Session): Promise<{ statuses: Map<string, NodeStatus>; cordoned: Set<string> }> {
  const client = new CoordinatorClient(session);
  await client.start();
  const listed = validate(listResultSchema, await client.request({ op: 'list', kind: 'nodes' }));
  if (!listed.ok) throw new CliError(`the coordinator's reply to list nodes cannot be read: ${listed.problems.slice(0, 3).join('; ')}`);
  const statuses = new Map<string, NodeStatus>();
  for (const item of listed.value.items) {
    const status = validate(nodeStatusSchema, item.status);
    if (status.ok && status.value.node === item.metadata.name) statuses.set(item.metadata.name, status.value);
  }
  const cordoned = new Set(listed.value.items.filter((item) => item.spec.unschedulable === true).map((item) => item.metadata.name));
  return { statuses, cordoned };
}

/** Events from the coordinator, oldest first (by the time each was last seen). */
async function listEvents(session: Session, name: string | undefined): Promise<Found> {
  const client = new CoordinatorClient(session);
  await client.start();
  const events = await requestEvents(client, name !== undefined ? { name } : {});
  return { kind: 'events', events: events.filter((e) => name === undefined || e.metadata.name === name) };
}

/** A `list events` request, read as Events; `filter` narrows it (`name`, `involvedObject`). */
export async function requestEvents(
  client: CoordinatorClient,
  filter: { name?: string; involvedObject?: { kind: 'Pod' | 'Node'; name: string; uid?: string } },
): Promise<EventItem[]> {
  const reply = await client.request({ op: 'list', kind: 'events', ...filter });
  const listed = validate(eventListResultSchema, reply);
  if (!listed.ok) throw new CliError(`the coordinator's reply to list events cannot be read: ${listed.problems.slice(0, 3).join('; ')}`);
  return [...listed.value.items].sort(compareEventItems);
}

async function listObjects(session: Session, kind: KindInfo, name: string | undefined): Promise<Found> {
  if (kind.list === 'nodes' || kind.list === 'events') throw new Error(`${kind.list} are not listed here`);
  const client = new CoordinatorClient(session);
  await client.start();
  // Pod statuses are read while the coordinator answers; both are needed for the table.
  // Both are settled before anything is thrown, so the session is not closed under the
  // retained read (which would leave its marker on the broker).
  const [replied, read] = await Promise.allSettled([
    client.request({ op: 'list', kind: kind.list, ...(name !== undefined ? { name } : {}) }),
    kind.list === 'pods' ? readRetained(session, [session.topics.allPodStatuses()]) : Promise.resolve(new Map<string, Buffer>()),
  ]);
  if (replied.status === 'rejected') throw replied.reason;
  if (read.status === 'rejected') throw read.reason;
  const reply = replied.value;
  const retained = read.value;
  const listed = validate(listResultSchema, reply);
  if (!listed.ok) throw new CliError(`the coordinator's reply to list cannot be read: ${listed.problems.slice(0, 3).join('; ')}`);
  let items = listed.value.items.filter((item) => name === undefined || item.metadata.name === name);
  if (kind.list === 'pods') {
    items = overlayRetainedReports(items, retained, session.topics);
  }
  items.sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
  return { kind: kind.list, items };
}

/** Byte order, as kubectl sorts names; independent of the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
