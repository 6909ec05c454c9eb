/**
 * A Deployment's Available and Progressing conditions, as Kubernetes' deployment
 * controller keeps them (`calculateStatus`, `syncRolloutStatus`), from what each
 * control-loop pass saw. The record lives in the coordinator's memory only, keyed by
 * Deployment uid: after a coordinator restart the first pass starts it afresh, so the
 * progress deadline counts again from then (a restart can only delay a
 * ProgressDeadlineExceeded, never bring one early). Deadlines run on a monotonic clock;
 * the wall times are for display. Pure.
 */

export type ConditionStatus = 'True' | 'False';

export type ProgressReason = 'NewReplicaSetCreated' | 'ReplicaSetUpdated' | 'NewReplicaSetAvailable' | 'ProgressDeadlineExceeded';
export type AvailableReason = 'MinimumReplicasAvailable' | 'MinimumReplicasUnavailable';

/** A Deployment condition as Kubernetes writes it; times absent when nothing tracked them. */
export interface DeploymentCondition {
  type: 'Available' | 'Progressing';
  status: ConditionStatus;
  reason: ProgressReason | AvailableReason;
  message: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** The pod counts of a Deployment's status (lost pods are not counted). */
export interface RolloutCounts {
  replicas: number;
  updated: number;
  ready: number;
  available: number;
}

/** What one pass saw of a Deployment. */
export interface RolloutSnapshot {
  templateHash: string;
  /** `<deployment>-<pod-template-hash>`: the prefix of the current template's pod names, Kubernetes' ReplicaSet name. */
  replicaSetName: string;
  /** `spec.replicas`. */
  desired: number;
  /** `spec.replicas` less the rolling update's maxUnavailable. */
  minAvailable: number;
  progressDeadlineSeconds: number;
  counts: RolloutCounts;
}

export interface ProgressRecord {
  templateHash: string;
  replicaSetName: string;
  /** The counts last seen: progress is any improvement on them. */
  counts: RolloutCounts;
  progressDeadlineSeconds: number;
  progressing: Required<DeploymentCondition>;
  /** Monotonic ms of `progressing.lastUpdateTime`: the deadline counts from here. */
  progressAtMs: number;
  available: Required<DeploymentCondition>;
}

/** The time of a pass: monotonic ms for deadlines, RFC 3339 for condition times. */
export interface ProgressClock {
  ms: number;
  time: string;
}

/** Every replica updated and available, no old pod left (Kubernetes' DeploymentComplete). */
export function isRolloutComplete(snapshot: Pick<RolloutSnapshot, 'desired' | 'counts'>): boolean {
  const { desired, counts } = snapshot;
  return counts.updated === desired && counts.replicas === desired && counts.available === desired;
}

/** More new pods, fewer old ones, more ready or available (Kubernetes' DeploymentProgressing). */
export function hasProgressed(before: RolloutCounts, after: RolloutCounts): boolean {
  return after.updated > before.updated || after.replicas - after.updated < before.replicas - before.updated || after.ready > before.ready || after.available > before.available;
}

function progressMessage(reason: ProgressReason, name: string): string {
  switch (reason) {
    case 'NewReplicaSetCreated':
      return `Created new replica set "${name}"`;
    case 'ReplicaSetUpdated':
      return `ReplicaSet "${name}" is progressing.`;
    case 'NewReplicaSetAvailable':
      return `ReplicaSet "${name}" has successfully progressed.`;
    case 'ProgressDeadlineExceeded':
      return `ReplicaSet "${name}" has timed out progressing.`;
    default: {
      const never: never = reason;
      throw new Error(`unexpected reason ${String(never)}`);
    }
  }
}

function statusOf(reason: ProgressReason): ConditionStatus {
  return reason === 'ProgressDeadlineExceeded' ? 'False' : 'True';
}

/**
 * Kubernetes' SetDeploymentCondition: the same status and reason keep the condition as
 * it was; a new reason with the same status keeps its lastTransitionTime.
 */
function setCondition(previous: Required<DeploymentCondition> | undefined, next: DeploymentCondition, time: string): Required<DeploymentCondition> {
  if (previous && previous.status === next.status && previous.reason === next.reason) return previous;
  const transition = previous && previous.status === next.status ? previous.lastTransitionTime : time;
  return { ...next, lastUpdateTime: time, lastTransitionTime: transition };
}

function progressingCondition(reason: ProgressReason, name: string): DeploymentCondition {
  return { type: 'Progressing', status: statusOf(reason), reason, message: progressMessage(reason, name) };
}

/** The Available condition a snapshot calls for, without times. */
export function availableCondition(snapshot: Pick<RolloutSnapshot, 'minAvailable' | 'counts'>): DeploymentCondition {
  return snapshot.counts.available >= snapshot.minAvailable
    ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
}

function isUnderWay(reason: DeploymentCondition['reason']): boolean {
  return reason === 'NewReplicaSetCreated' || reason === 'ReplicaSetUpdated';
}

/**
 * The record as of `nowMs`: a rollout under way with no progress for longer than its
 * deadline has exceeded it, as from the moment the deadline passed. Idempotent.
 */
export function settleProgress(record: ProgressRecord, nowMs: number): ProgressRecord {
  const deadlineMs = record.progressDeadlineSeconds * 1000;
  if (!isUnderWay(record.progressing.reason) || nowMs <= record.progressAtMs + deadlineMs) return record;
  const passedAt = new Date(Date.parse(record.progressing.lastUpdateTime) + deadlineMs).toISOString();
  return { ...record, progressing: setCondition(record.progressing, progressingCondition('ProgressDeadlineExceeded', record.replicaSetName), passedAt) };
}

/**
 * The record after a pass that saw `snapshot`. A new template starts a rollout
 * (NewReplicaSetCreated) and its deadline; a complete rollout is NewReplicaSetAvailable
 * and stays so until the template changes; any progress is ReplicaSetUpdated and
 * restarts the deadline; otherwise the Progressing condition stands (and, past the
 * deadline, is ProgressDeadlineExceeded until progress resumes).
 */
export function nextProgress(previous: ProgressRecord | undefined, snapshot: RolloutSnapshot, now: ProgressClock): ProgressRecord {
  const prev = previous && settleProgress(previous, now.ms);
  const name = snapshot.replicaSetName;
  const complete = isRolloutComplete(snapshot);
  let progressing: Required<DeploymentCondition>;
  let progressAtMs = now.ms;
  if (prev === undefined || prev.templateHash !== snapshot.templateHash) {
    progressing = setCondition(prev?.progressing, progressingCondition(complete ? 'NewReplicaSetAvailable' : 'NewReplicaSetCreated', name), now.time);
  } else if (prev.progressing.reason === 'NewReplicaSetAvailable' && snapshot.counts.replicas === snapshot.counts.updated) {
    progressing = prev.progressing;
    progressAtMs = prev.progressAtMs;
  } else if (complete) {
    progressing = setCondition(prev.progressing, progressingCondition('NewReplicaSetAvailable', name), now.time);
  } else if (hasProgressed(prev.counts, snapshot.counts)) {
    // Progress always moves lastUpdateTime, even with the reason unchanged.
    const updated = progressingCondition('ReplicaSetUpdated', name);
    const transition = prev.progressing.status === 'True' ? prev.progressing.lastTransitionTime : now.time;
    progressing = { ...updated, lastUpdateTime: now.time, lastTransitionTime: transition };
  } else {
    progressing = prev.progressing;
    progressAtMs = prev.progressAtMs;
  }
  return {
    templateHash: snapshot.templateHash,
    replicaSetName: name,
    counts: snapshot.counts,
    progressDeadlineSeconds: snapshot.progressDeadlineSeconds,
    progressing,
    progressAtMs,
    available: setCondition(prev?.available, availableCondition(snapshot), now.time),
  };
}

/** Conditions as `list deployments` shows them: from the record settled at `nowMs`, or from the snapshot alone, without times. */
export function deploymentConditions(snapshot: RolloutSnapshot, record: ProgressRecord | undefined): DeploymentCondition[] {
  if (record !== undefined && record.templateHash === snapshot.templateHash) return [record.available, record.progressing];
  const reason = isRolloutComplete(snapshot) ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated';
  return [availableCondition(snapshot), progressingCondition(reason, snapshot.replicaSetName)];
}

/**
 * Deployment uid -> its record after a pass, for every Deployment in `snapshots` (a
 * Deployment gone is forgotten).
 */
export function nextProgressTable(previous: ReadonlyMap<string, ProgressRecord>, snapshots: ReadonlyMap<string, RolloutSnapshot>, now: ProgressClock): Map<string, ProgressRecord> {
  const next = new Map<string, ProgressRecord>();
  for (const [uid, snapshot] of snapshots) next.set(uid, nextProgress(previous.get(uid), snapshot, now));
  return next;
}

/** ListContext.deploymentProgress for a request made at `nowMs` (monotonic). */
export function progressLookup(records: ReadonlyMap<string, ProgressRecord>, nowMs: number): (uid: string) => ProgressRecord | undefined {
  return (uid) => {
    const record = records.get(uid);
    return record && settleProgress(record, nowMs);
  };
}
