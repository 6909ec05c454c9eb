import type { Clock } from '../clock.js';

/** A clock for tests: time passes on both readings (`advance`), or the wall clock alone is set (`jump`). */
export class FakeClock implements Clock {
  constructor(
    private wallMs: number,
    private monoMs = 0,
  ) {}

  wall(): number {
    return this.wallMs;
  }

  mono(): number {
    return this.monoMs;
  }

  /** Time passes. */
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }

  /** The wall clock is set (NTP syncs, a reboot without a real-time clock); no time passes. */
  jump(ms: number): void {
    this.wallMs += ms;
  }
}

export const YEAR_MS = 365 * 24 * 3600_000;
