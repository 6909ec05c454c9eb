/**
 * What a request to the install server asks for, from its method and target alone.
 * A binary's name is only a candidate here: the server serves it only if SHA256SUMS lists
 * it, so nothing taken from the request ever becomes a path on disk.
 */

export type Route =
  | { kind: 'installer' }
  | { kind: 'unit' }
  | { kind: 'sums' }
  | { kind: 'binary'; name: string }
  /** The coordinator's CA certificate (PEM), for agents to check against their token's pin. */
  | { kind: 'ca' }
  /** `POST /join`: a node trades its join token for credentials (TLS only; join-route.ts). */
  | { kind: 'join' }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' };

export const ALLOWED_METHODS = ['GET', 'HEAD'] as const;

/** The request target's path: the query and fragment dropped, percent-escapes kept. */
export function targetPath(target: string): string {
  return target.replace(/[?#].*$/s, '');
}

const JOIN_PATH = '/join';

/** The methods a target takes, for a 405's Allow header: POST for /join, GET and HEAD for the rest. */
export function allowedMethods(target: string): readonly string[] {
  return targetPath(target) === JOIN_PATH ? ['POST'] : ALLOWED_METHODS;
}

export function matchRoute(method: string, target: string): Route {
  const path = targetPath(target);
  if (path === JOIN_PATH) return method === 'POST' ? { kind: 'join' } : { kind: 'method-not-allowed' };
  if (!(ALLOWED_METHODS as readonly string[]).includes(method)) return { kind: 'method-not-allowed' };
  if (path === '/install.sh') return { kind: 'installer' };
  if (path === '/baton-agent.service') return { kind: 'unit' };
  if (path === '/binaries/SHA256SUMS') return { kind: 'sums' };
  if (path === '/ca.crt') return { kind: 'ca' };
  if (!path.startsWith('/binaries/')) return { kind: 'not-found' };
  let name: string;
  try {
    name = decodeURIComponent(path.slice('/binaries/'.length));
  } catch {
    return { kind: 'not-found' };
  }
  if (name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) return { kind: 'not-found' };
  return { kind: 'binary', name };
}
