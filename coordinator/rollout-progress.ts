import { nextProgressTable, progressLookup, type ProgressClock, type ProgressRecord } from './deployment-progress.js';
import { rolloutSnapshots } from './deployment-status.js';
import type { PodAvailability } from './controllers/owned.js';
import type { CoordinatorState, StoredPod } from './state.js';

/**
 * The shell's memory of how each Deployment's rollout is progressing (in memory only: a
 * restarted coordinator starts every deadline again). It looks at the state after every
 * pass, so a rollout's last progress is timed from the pass that saw it.
 */
export class RolloutProgress {
  private records = new Map<string, ProgressRecord>();

  /** Sees a state: the one a request made, before the pass acts on it, and the one after each pass. */
  see(state: CoordinatorState, availability: (pod: StoredPod) => PodAvailability, clock: ProgressClock): void {
    this.records = nextProgressTable(this.records, rolloutSnapshots(state, availability), clock);
  }

  /** ListContext.deploymentProgress as of `nowMs` (monotonic). */
  lookup(nowMs: number): (uid: string) => ProgressRecord | undefined {
    return progressLookup(this.records, nowMs);
  }
}
