import { execFile } from 'node:child_process';
import type { Logger } from '../protocol/log.js';

/**
 * systemd's notify protocol for a `Type=notify` unit with `WatchdogSec=`, shared by the
 * agent and the coordinator: READY=1 once the program runs, WATCHDOG=1 while its main
 * loop is alive (the agent's reconcile loop, the coordinator's request queue),
 * STOPPING=1 on the way out. Nothing at all when systemd did not ask (no NOTIFY_SOCKET).
 *
 * The protocol is a datagram on a unix socket, which Node cannot send without a native
 * module. Baton ships as one bundled file with no native parts, so the notifications go
 * through `systemd-notify` (part of systemd, so present wherever the socket is), run
 * with `--pid=<program pid>`: as root it sends with the program's credentials, so systemd
 * takes the message as the main process's; as another user the kernel refuses that and
 * it sends as itself, which the unit's `NotifyAccess=all` accepts (it waits until
 * systemd has read the message, so the message is never orphaned by its early exit).
 * One process every half watchdog period costs a few milliseconds of CPU.
 */

/** What systemd asked for, read from the environment it gave the program. */
export interface NotifySettings {
  /** NOTIFY_SOCKET: where notifications go. */
  readonly socket: string;
  /** WATCHDOG_USEC in ms: a ping is due at least this often; undefined when no watchdog is set for this process. */
  readonly watchdogMs?: number;
}

/** Undefined when NOTIFY_SOCKET is unset or empty: the program then sends nothing. */
export function notifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return undefined;
  const usec = /^\d+$/.test(env.WATCHDOG_USEC ?? '') ? Number(env.WATCHDOG_USEC) : 0;
  // WATCHDOG_PID names the process the watchdog is for; one inherited by another process is not ours.
  const isOurs = env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === String(pid);
  return { socket, ...(usec > 0 && isOurs ? { watchdogMs: Math.max(1, Math.floor(usec / 1000)) } : {}) };
}

/**
 * True while the main loop is alive: idle (waiting to be woken), or in a pass (a job)
 * that began less than `stallMs` ago. A pass stuck on a call that never returns stops
 * the pings, and systemd restarts the program (the agent's restart restarts no
 * container; the coordinator's loses nothing its store does not hold).
 */
export function isLoopAlive(busySince: number | undefined, now: number, stallMs: number): boolean {
  return busySince === undefined || now - busySince < stallMs;
}

/** Sends one notification (newline-separated `KEY=VALUE` fields); resolves once sent, rejects with the reason. */
export type NotifySend = (fields: readonly string[]) => Promise<void>;

/** Sends through `systemd-notify --pid=<pid>` (see the file comment), with NOTIFY_SOCKET from `env`. */
export function systemdNotifySend(pid: number, env: NodeJS.ProcessEnv): NotifySend {
  return (fields) =>
    new Promise((resolve, reject) => {
      execFile('systemd-notify', [`--pid=${pid}`, ...fields], { env, timeout: 10_000 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`systemd-notify ${fields.join(' ')}: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve();
      });
    });
}

export interface SdNotifyDeps {
  readonly settings: NotifySettings;
  readonly send: NotifySend;
  /** The loop's health, asked at each watchdog tick (see isLoopAlive). */
  readonly isAlive: () => boolean;
  readonly log: Logger;
}

/**
 * The program's side of the notify protocol. `ready()` sends READY=1 and starts the
 * watchdog ticks (every half WATCHDOG_USEC, on Node's monotonic timers): each tick pings
 * only if the loop is alive and the previous ping has finished. `stopping()` ends the
 * ticks and sends STOPPING=1. A failed send is logged, never thrown: the program runs on.
 */
export class SdNotify {
  private timer: NodeJS.Timeout | undefined;
  private isPinging = false;
  private isWithheld = false;
  private isStopped = false;
  /** The last send failure logged as a warning; the same one again is only debug (a missing systemd-notify fails every tick). */
  private lastFailure: string | undefined;

  constructor(private readonly deps: SdNotifyDeps) {}

  ready(): void {
    if (this.isStopped) return;
    void this.notify(['READY=1']);
    const { watchdogMs } = this.deps.settings;
    if (watchdogMs === undefined) return;
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(watchdogMs / 2)));
    this.deps.log.info({ watchdogMs }, 'systemd watchdog on');
  }

  /** Ends the watchdog and tells systemd the program is stopping; resolves once sent (or failed). */
  async stopping(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    clearInterval(this.timer);
    await this.notify(['STOPPING=1']);
  }

  private tick(): void {
    if (this.isStopped || this.isPinging) return;
    if (!this.deps.isAlive()) {
      if (!this.isWithheld) this.deps.log.error({ reason: 'LoopStalled' }, 'the main loop is stuck; withholding the watchdog ping so systemd restarts the program');
      this.isWithheld = true;
      return;
    }
    if (this.isWithheld) this.deps.log.info({ reason: 'LoopAlive' }, 'the main loop moves again; watchdog pings resume');
    this.isWithheld = false;
    this.isPinging = true;
    void this.notify(['WATCHDOG=1']).finally(() => {
      this.isPinging = false;
    });
  }

  private async notify(fields: readonly string[]): Promise<void> {
    try {
      await this.deps.send(fields);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const isNew = reason !== this.lastFailure;
      this.lastFailure = reason;
      if (isNew) this.deps.log.warn({ reason }, 'systemd notification not sent');
      else this.deps.log.debug({ reason }, 'systemd notification not sent');
    }
  }
}
