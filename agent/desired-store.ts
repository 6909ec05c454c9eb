import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../protocol/atomic-file.js';
import { encodePayload } from '../protocol/codec.js';
import { decodeNodeDesired } from '../protocol/decoders.js';
import type { Logger } from '../protocol/log.js';
import type { NodeDesired } from '../protocol/messages.js';
import { describeUnusable } from './saved-state-problem.js';

/**
 * The desired state this node runs from: the newest generation seen, from the broker or,
 * at start, from `<state-dir>/desired.json`. It is written to disk only when the
 * generation changes (SD cards wear out), atomically, so the agent runs its pods across
 * reboots with no broker. Outside data becomes a NodeDesired only through the schema.
 */

export type Offer =
  | { accepted: true; desired: NodeDesired }
  /** `older` is set when the offer is an older generation than the held one: the coordinator may have lost its state. */
  | { accepted: false; reason: string; isInvalid: boolean; older?: { offered: number; held: number } };

/** Pure: whether `incoming` replaces `held`. An older generation is ignored. */
export function acceptDesired(held: NodeDesired | undefined, incoming: NodeDesired, node: string): Offer {
  if (incoming.node !== node) return { accepted: false, reason: `desired state is for node ${incoming.node}, not ${node}`, isInvalid: true };
  if (held !== undefined && incoming.generation < held.generation) {
    return {
      accepted: false,
      reason: `generation ${incoming.generation} is older than the held generation ${held.generation}`,
      isInvalid: false,
      older: { offered: incoming.generation, held: held.generation },
    };
  }
  if (held !== undefined && incoming.generation === held.generation) {
    return { accepted: false, reason: `generation ${incoming.generation} is already held`, isInvalid: false };
  }
  return { accepted: true, desired: incoming };
}

export class DesiredStore {
  private held: NodeDesired | undefined;
  private writes: Promise<void> = Promise.resolve();
  readonly path: string;

  /** No I/O here; `load()` reads the file. */
  constructor(
    stateDir: string,
    private readonly node: string,
    private readonly log: Logger,
  ) {
    this.path = join(stateDir, 'desired.json');
  }

  get current(): NodeDesired | undefined {
    return this.held;
  }

  /**
   * Loads the saved desired state. A file that cannot be used is renamed aside (kept for
   * inspection) with one error line naming the file, what is wrong with it and where it
   * went; the agent then starts with none: it changes nothing in Docker (what runs keeps
   * running) until the broker's retained desired state arrives. It never crashes on it.
   */
  async load(): Promise<void> {
    await this.removeStaleTemporaries();
    let text: string | undefined;
    try {
      text = await readFileIfExists(this.path);
    } catch (error) {
      this.log.error({ reason: (error as Error).message, path: this.path }, 'cannot read the saved desired state; starting without one');
      return;
    }
    if (text === undefined) return;
    const decoded = decodeNodeDesired(text);
    const offer = decoded.ok ? acceptDesired(undefined, decoded.value, this.node) : undefined;
    if (offer?.accepted) {
      this.held = offer.desired;
      this.log.info({ generation: offer.desired.generation, pods: offer.desired.pods.length }, 'loaded the saved desired state');
      return;
    }
    const reason = decoded.ok ? (offer && !offer.accepted ? offer.reason : 'unusable') : describeUnusable(text, decoded.reason);
    const aside = `${this.path}.corrupt-${Date.now()}`;
    let kept = `kept it as ${aside}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      kept = `could not move it aside (${(error as Error).message})`;
    }
    this.log.error(
      { path: this.path, ...(kept.startsWith('kept') ? { keptAs: aside } : {}), reason },
      `cannot use the saved desired state ${this.path}: ${reason}; ${kept}; running containers are left as they are until the broker sends the desired state`,
    );
  }

  /** A write cut short by a crash leaves its temporary file (see writeFileAtomic); it never became the state. */
  private async removeStaleTemporaries(): Promise<void> {
    const folder = dirname(this.path);
    const prefix = `${basename(this.path)}.tmp-`;
    const names = await readdir(folder).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(folder, n), { force: true }).catch(() => undefined)));
  }

  /** Takes a payload from the desired topic; saves and returns it if it is newer than the held one. */
  offer(payload: Buffer): Offer {
    if (payload.length === 0) return { accepted: false, reason: 'the retained desired state was cleared; keeping the held one', isInvalid: false };
    const decoded = decodeNodeDesired(payload);
    if (!decoded.ok) return { accepted: false, reason: decoded.reason, isInvalid: true };
    const offer = acceptDesired(this.held, decoded.value, this.node);
    if (!offer.accepted) return offer;
    this.held = offer.desired;
    const text = encodePayload(offer.desired);
    // Writes are chained so that an older generation never lands after a newer one.
    this.writes = this.writes.then(() =>
      writeFileAtomic(this.path, text).catch((error: unknown) => {
        this.log.error({ reason: (error as Error).message, path: this.path }, 'cannot save the desired state; running from memory');
      }),
    );
    return offer;
  }

  /** Resolves once every accepted state is on disk (or failed to be written). */
  flushed(): Promise<void> {
    return this.writes;
  }
}
