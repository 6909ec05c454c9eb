import { monoDeadline } from './clock.js';
import type { ActualContainer } from './runtime/runtime.js';

/**
 * When an exited container (or a dead pod sandbox) may run again, on the monotonic clock.
 *
 * The restart policy decides on the times Docker recorded (wall clock): exit time plus
 * the back-off owed. Compared with a wall clock that jumped, that could mean a wait of
 * years (a Pi that rebooted without network, its clock behind the exit time) or none
 * at all. So the agent notes on its monotonic clock when it first saw each exited
 * instance, and a restart is due at the wall-clock time or at first sight plus the
 * back-off, whichever comes first (see monoDeadline).
 */

/** What the timing reads of the planning context. */
export interface RestartClock {
  /** Wall clock, epoch ms. */
  readonly now: number;
  /** Monotonic clock, ms (Clock.mono). */
  readonly mono: number;
  /** When the agent first saw each exited instance (by exitKey), monotonic ms. */
  readonly exitsSeenAt: ReadonlyMap<string, number>;
}

/** An exited instance: its ID and the exit Docker recorded (an instance started again in place exits anew). */
export function exitKey(container: ActualContainer): string {
  return `${container.id}@${container.finishedAt ?? ''}`;
}

/**
 * When the restart of `exited`, decided to be at `decision.at` (wall clock) after a wait
 * of `decision.delayMs`, is due: monotonic ms. An instance never noted counts as seen now.
 */
export function restartDueAt(exited: ActualContainer, decision: { readonly at: number; readonly delayMs: number }, clock: RestartClock): number {
  const seenAt = clock.exitsSeenAt.get(exitKey(exited)) ?? clock.mono;
  return monoDeadline(decision.at, decision.delayMs, seenAt, { wall: clock.now, mono: clock.mono });
}

/**
 * The agent's notes of when it first saw each exited instance. Bounded: each `observe`
 * takes the whole list of the node's containers and forgets every instance that is no
 * longer in it as exited.
 */
export class ExitSightings {
  private readonly seen = new Map<string, number>();

  /** Notes the exited instances of `containers` not seen before, at `mono`; forgets the rest. */
  observe(containers: readonly ActualContainer[], mono: number): void {
    const exited = new Set(containers.filter((c) => c.state === 'exited' || c.state === 'dead').map(exitKey));
    for (const key of this.seen.keys()) {
      if (!exited.has(key)) this.seen.delete(key);
    }
    for (const key of exited) {
      if (!this.seen.has(key)) this.seen.set(key, mono);
    }
  }

  get seenAt(): ReadonlyMap<string, number> {
    return this.seen;
  }
}
