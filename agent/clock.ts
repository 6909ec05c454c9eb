/**
 * The agent's two clocks. A Pi without a real-time clock boots in 1970 (or at the time
 * last saved) until NTP jumps its wall clock forward, and a reboot with no network can
 * leave it behind the times Docker recorded before. So:
 *
 * - every duration and deadline the agent keeps itself (back-offs of failed steps and
 *   pulls, probe periods, waits of the loop) is on `mono`, which never jumps;
 * - `wall` is only for timestamps people read (statuses, events) and for reading the
 *   times Docker recorded; where such a time decides a wait, `monoDeadline` bounds it.
 *
 * Node's timers (setTimeout, setInterval) already run on a monotonic clock, so the
 * heartbeat and resync intervals need nothing more.
 */
export interface Clock {
  /** Epoch milliseconds, as the system says now. May jump either way. */
  wall(): number;
  /** Milliseconds from an arbitrary origin; never jumps, never goes back. */
  mono(): number;
}

export const systemClock: Clock = {
  wall: () => Date.now(),
  mono: () => performance.now(),
};

/** Both clocks read at one moment. */
export interface Instant {
  readonly wall: number;
  readonly mono: number;
}

export function readClock(clock: Clock): Instant {
  return { wall: clock.wall(), mono: clock.mono() };
}

/**
 * When, on the monotonic clock, a wait ends that the wall clock says ends at `wallAt`
 * (a time derived from one Docker recorded, such as a container's exit plus its
 * back-off). `maxWaitMs` is the wait's own length and `seenAtMono` when the agent first
 * saw what the wait counts from: the result is never later than `seenAtMono + maxWaitMs`,
 * so a clock set back (by years) cannot stretch the wait past its own length, and a
 * clock set forward can only cut it short. With the clock right, it is exactly `wallAt`.
 * An unknown `wallAt` (NaN) counts as the whole wait from `seenAtMono`.
 */
export function monoDeadline(wallAt: number, maxWaitMs: number, seenAtMono: number, now: Instant): number {
  const bound = seenAtMono + Math.max(0, maxWaitMs);
  if (!Number.isFinite(wallAt)) return bound;
  return Math.min(now.mono + (wallAt - now.wall), bound);
}

/** The wall-clock time a monotonic one stands for, as the wall clock reads now: for logs and events people read. */
export function wallTimeOf(mono: number, now: Instant): number {
  return now.wall + (mono - now.mono);
}
