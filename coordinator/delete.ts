import type { DeleteResult } from '../protocol/requests.js';
import { ownerUidOf } from './controllers/owned.js';
import type { CoordinatorState, StoredPod } from './state.js';

export type DeleteKind = 'Pod' | 'Deployment' | 'DaemonSet';

export type DeleteOutcome = { ok: true; state: CoordinatorState; result: DeleteResult } | { ok: false; message: string };

/**
 * `delete KIND NAME`, pure. Deleting a Deployment or DaemonSet deletes its pods with it;
 * deleting one pod of a Deployment lets the controller make a new one.
 */
export function deleteObject(state: CoordinatorState, kind: DeleteKind, name: string): DeleteOutcome {
  const notFound: DeleteOutcome = { ok: false, message: `${kind} "${name}" not found` };
  switch (kind) {
    case 'Pod': {
      if (state.pods[name] === undefined) return notFound;
      const pods = { ...state.pods };
      delete pods[name];
      return { ok: true, state: { ...state, pods }, result: { kind, name } };
    }
    case 'Deployment': {
      const owner = state.deployments[name];
      if (owner === undefined) return notFound;
      const deployments = { ...state.deployments };
      delete deployments[name];
      return { ok: true, state: { ...state, deployments, pods: withoutOwnedBy(state.pods, owner.metadata.uid) }, result: { kind, name } };
    }
    case 'DaemonSet': {
      const owner = state.daemonSets[name];
      if (owner === undefined) return notFound;
      const daemonSets = { ...state.daemonSets };
      delete daemonSets[name];
      return { ok: true, state: { ...state, daemonSets, pods: withoutOwnedBy(state.pods, owner.metadata.uid) }, result: { kind, name } };
    }
    default: {
      const never: never = kind;
      throw new Error(`unexpected kind ${String(never)}`);
    }
  }
}

function withoutOwnedBy(pods: Readonly<Record<string, StoredPod>>, uid: string): Record<string, StoredPod> {
  return Object.fromEntries(Object.entries(pods).filter(([, pod]) => ownerUidOf(pod) !== uid));
}
