import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../protocol/atomic-file.js';
import { validate } from '../protocol/validation.js';
import { coordinatorStateSchema, emptyState, type CoordinatorState } from './state.js';
import { StoreText } from './store-text.js';

export const STORE_FILE_NAME = 'store.json';

/**
 * The store file could not be used. Fatal: the coordinator refuses to start rather than
 * begin from nothing, and never overwrites or deletes the file, so the user's objects
 * can be recovered by hand.
 */
export class StoreError extends Error {
  constructor(readonly path: string, problem: string, options?: { cause: unknown }) {
    super(`store file ${path} ${problem}; fix or move it away (it was left untouched)`, options);
    this.name = 'StoreError';
  }
}

/**
 * The coordinator's state in one JSON file, written atomically (temp file, fsync,
 * rename) and only when its content changed, to spare SD cards.
 */
export class Store {
  readonly path: string;
  private lastWritten: string | undefined;
  /** The state object whose content is `lastWritten` (the one loaded, written, or found equal to it). */
  private lastState: CoordinatorState | undefined;
  private readonly text = new StoreText();

  constructor(stateDir: string) {
    this.path = join(stateDir, STORE_FILE_NAME);
  }

  /** Reads the file through its schema; a missing file is an empty state. */
  async load(): Promise<CoordinatorState> {
    let text: string | undefined;
    try {
      text = await readFileIfExists(this.path);
    } catch (error) {
      throw new StoreError(this.path, `cannot be read: ${(error as Error).message}`, { cause: error });
    }
    if (text === undefined) {
      const state = emptyState();
      // Not written until there is something to keep.
      this.lastWritten = this.text.render(state);
      this.lastState = state;
      return state;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreError(this.path, `is corrupt (not valid JSON: ${(error as Error).message})`, { cause: error });
    }
    const result = validate(coordinatorStateSchema, json);
    if (!result.ok) {
      const shown = result.problems.slice(0, 3).join('; ');
      const more = result.problems.length > 3 ? ` and ${result.problems.length - 3} more` : '';
      throw new StoreError(this.path, `is invalid (${shown}${more})`);
    }
    this.lastWritten = this.text.render(result.value);
    this.lastState = result.value;
    return result.value;
  }

  /** Writes `state` if it differs from what was last loaded or written; true if it wrote. */
  async save(state: CoordinatorState): Promise<boolean> {
    // Every control-loop pass saves, and most change nothing: a state made of the very
    // objects last saved is equal to it without serialising ten thousand pods again.
    if (this.lastState !== undefined && isSameObjects(state, this.lastState)) return false;
    const text = this.text.render(state);
    if (text === this.lastWritten) {
      this.lastState = state;
      return false;
    }
    // Indented so that a person can read and repair it; compared in its compact form.
    await writeFileAtomic(this.path, `${text}\n`);
    this.lastWritten = text;
    this.lastState = state;
    return true;
  }
}

/**
 * Whether `a` and `b` hold the same objects two levels down (each table the same object,
 * or a copy with the same keys holding the same objects), so their content is equal. The
 * coordinator's state is immutable: a pass replaces what it changes, never edits it.
 */
function isSameObjects(a: CoordinatorState, b: CoordinatorState): boolean {
  const keys = Object.keys(a) as (keyof CoordinatorState)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const [x, y] = [a[key], b[key]];
    if (x === y) return true;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const xKeys = Object.keys(x);
    if (xKeys.length !== Object.keys(y).length) return false;
    const [xs, ys] = [x as Record<string, unknown>, y as Record<string, unknown>];
    return xKeys.every((k) => Object.hasOwn(ys, k) && xs[k] === ys[k]);
  });
}
