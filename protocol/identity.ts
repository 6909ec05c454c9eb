import { subdomainName } from './names.js';

/**
 * Who is on the other end of an MQTT connection, told by its username. The broker
 * (embedded or mosquitto, through the files the coordinator writes) decides what each
 * may publish and subscribe from this alone: see acl.ts.
 */
export type Identity =
  | { readonly kind: 'coordinator' }
  | { readonly kind: 'admin' }
  | { readonly kind: 'node'; readonly node: string }
  | { readonly kind: 'anonymous' };

export const COORDINATOR_USERNAME = 'coordinator';
export const ADMIN_USERNAME = 'admin';
const NODE_USERNAME_PREFIX = 'node.';

/** Client ids that name a Baton program; only that program may take them (see mayUseClientId). */
const AGENT_CLIENT_PREFIX = 'baton-agent-';
const COORDINATOR_CLIENT_PREFIX = 'baton-coordinator';

export const coordinatorIdentity: Identity = { kind: 'coordinator' };
export const adminIdentity: Identity = { kind: 'admin' };
export const anonymousIdentity: Identity = { kind: 'anonymous' };

export function nodeIdentity(node: string): Identity {
  return { kind: 'node', node };
}

/** The MQTT username of an identity; anonymous has none. */
export function usernameOf(identity: Identity): string | undefined {
  switch (identity.kind) {
    case 'coordinator':
      return COORDINATOR_USERNAME;
    case 'admin':
      return ADMIN_USERNAME;
    case 'node':
      return `${NODE_USERNAME_PREFIX}${identity.node}`;
    case 'anonymous':
      return undefined;
  }
}

/** The identity a username names, or undefined when it names none (a node part that is not a valid node name). */
export function identityOfUsername(username: string): Identity | undefined {
  if (username === COORDINATOR_USERNAME) return coordinatorIdentity;
  if (username === ADMIN_USERNAME) return adminIdentity;
  if (!username.startsWith(NODE_USERNAME_PREFIX)) return undefined;
  const node = username.slice(NODE_USERNAME_PREFIX.length);
  return subdomainName.safeParse(node).success ? nodeIdentity(node) : undefined;
}

/** The client id the agent of `node` connects with. */
export function agentClientId(node: string): string {
  return `${AGENT_CLIENT_PREFIX}${node}`;
}

/**
 * Whether `identity` may connect with `clientId`. A node must use its own agent id, so
 * no node credential can take over another node's session (and with it its will and
 * subscriptions); nobody else may take an agent's or the coordinator's id. The
 * coordinator may use any id.
 */
export function mayUseClientId(identity: Identity, clientId: string): boolean {
  switch (identity.kind) {
    case 'coordinator':
      return true;
    case 'node':
      return clientId === agentClientId(identity.node);
    case 'admin':
    case 'anonymous':
      return !clientId.startsWith(AGENT_CLIENT_PREFIX) && !clientId.startsWith(COORDINATOR_CLIENT_PREFIX);
  }
}

/** For log lines: `coordinator`, `admin`, `node pi-1`, `anonymous`. */
export function describeIdentity(identity: Identity): string {
  return identity.kind === 'node' ? `node ${identity.node}` : identity.kind;
}
