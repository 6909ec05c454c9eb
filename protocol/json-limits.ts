import { MAX_NESTING_DEPTH } from './limits.js';

/**
 * Checks a decoded JSON (or YAML) value before any schema or recursive code sees it:
 * nesting no deeper than the limit, only finite numbers (JSON.parse reads `1e999` as
 * Infinity, YAML reads `.inf` and `.nan`), no `__proto__` key (JSON.parse makes it an
 * own property, harmless until some code copies it with `target[key] = value`), and
 * only JSON's types. Iterative, so a value of any depth is walked without recursion.
 * Returns the first problem found, with where it is, or undefined.
 */
export function checkJsonValue(value: unknown, maxDepth: number = MAX_NESTING_DEPTH): string | undefined {
  const stack: Entry[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const v = entry.value;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (!Number.isFinite(v)) return `not a finite number at ${pathOf(entry)}`;
        continue;
      case 'object':
        break;
      default:
        return `not a JSON value (${typeof v}) at ${pathOf(entry)}`;
    }
    if (v === null) continue;
    if (entry.depth >= maxDepth) return `nesting deeper than ${maxDepth} at ${pathOf(entry)}`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: entry.depth + 1, key: i, parent: entry });
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(v);
    if (prototype !== Object.prototype && prototype !== null) return `not a JSON value (${describeObject(v)}) at ${pathOf(entry)}`;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const child: Entry = { value: (v as Record<string, unknown>)[key], depth: entry.depth + 1, key, parent: entry };
      if (key === '__proto__') return `key "__proto__" not allowed at ${pathOf(child)}`;
      stack.push(child);
    }
  }
  return undefined;
}

interface Entry {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Entry | undefined;
}

/** Path segments shown before the rest is elided: enough to find the place in a manifest. */
const SHOWN_SEGMENTS = 8;
const SHOWN_KEY_CHARS = 40;

/** `$.spec.containers[0].env`, the first segments only for a deep place. */
function pathOf(entry: Entry): string {
  const keys: (string | number)[] = [];
  for (let e: Entry | undefined = entry; e !== undefined; e = e.parent) if (e.key !== undefined) keys.push(e.key);
  keys.reverse();
  let out = '$';
  for (const key of keys.slice(0, SHOWN_SEGMENTS)) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key) && key.length <= SHOWN_KEY_CHARS) out += `.${key}`;
    else out += `[${JSON.stringify(key.length > SHOWN_KEY_CHARS ? `${key.slice(0, SHOWN_KEY_CHARS)}...` : key)}]`;
  }
  return keys.length > SHOWN_SEGMENTS ? `${out}...` : out;
}

function describeObject(v: object): string {
  const name = (v.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}
