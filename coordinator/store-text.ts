import { canonicalJson } from '../protocol/canonical-json.js';
import type { CoordinatorState } from './state.js';

/**
 * The store file's text: exactly `canonicalJson(state, 1)` (keys sorted, one space per
 * level, so a person can read and mend the file), built from a text kept per object.
 *
 * The state is immutable: a pass that changes one pod of ten thousand makes a new pods
 * table holding 9,999 of the same objects. Each object's text is kept by identity, so a
 * save serialises only the objects that are new; re-serialising the whole fleet on every
 * request made a single `baton apply` at 1,000 nodes wait ~150 ms.
 */
export class StoreText {
  private readonly byObject = new WeakMap<object, string>();
  /** A whole table's text, for tables a change left alone (a new pod leaves the Deployments table as it was). */
  private readonly byTable = new WeakMap<object, string>();

  render(state: CoordinatorState): string {
    const members = Object.keys(state)
      .sort()
      .flatMap((key) => {
        const value = (state as unknown as Record<string, unknown>)[key];
        return value === undefined ? [] : [` ${JSON.stringify(key)}: ${this.table(value)}`];
      });
    return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n}`;
  }

  /** A top-level member: a table of objects (pods by name, ...) at depth 1, anything else as it is. */
  private table(value: unknown): string {
    if (!isPlainObject(value)) return indent(canonicalJson(value, 1), ' ');
    let text = this.byTable.get(value);
    if (text === undefined) {
      const keys = Object.keys(value).sort().filter((key) => value[key] !== undefined);
      const rows = keys.map((key) => `  ${JSON.stringify(key)}: ${this.object(value[key])}`);
      text = keys.length === 0 ? '{}' : `{\n${rows.join(',\n')}\n }`;
      this.byTable.set(value, text);
    }
    return text;
  }

  /** One object of a table, at depth 2; its text is kept while the object lives. */
  private object(value: unknown): string {
    if (value === null || typeof value !== 'object') return canonicalJson(value, 1);
    let text = this.byObject.get(value);
    if (text === undefined) {
      text = indent(canonicalJson(value, 1), '  ');
      this.byObject.set(value, text);
    }
    return text;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The text of a value nested `prefix` deep: every line after the first moved right. */
function indent(text: string, prefix: string): string {
  return text.replaceAll('\n', `\n${prefix}`);
}
