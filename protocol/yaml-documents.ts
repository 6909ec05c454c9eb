import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { checkJsonValue } from './json-limits.js';
import { MAX_PROBLEMS_PER_OBJECT, MAX_YAML_ALIASES } from './limits.js';
import { limitProblem } from './validation.js';
import { checkYamlText } from './yaml-limits.js';

/**
 * Reads a YAML (or JSON) text of one or more documents into plain values, within the
 * limits: the text's shape is checked before parsing (checkYamlText), aliases expand
 * within a budget (a billion-laughs file stops in milliseconds), and each value's shape
 * is checked after (checkJsonValue). Problems carry the line and column, or the
 * document's number. Never throws.
 */
export function readYamlDocuments(text: string): { values: unknown[]; problems: string[] } {
  const shape = checkYamlText(text);
  if (shape !== undefined) return { values: [], problems: [shape] };
  const problems: string[] = [];
  const values: unknown[] = [];
  const lines = new LineCounter();
  // The YAML reader's own duplicate-key check compares each key with every earlier one
  // (20 s for a 600 KiB map); duplicateKeys does the same check in linear time.
  const docs = parseAllDocuments(text, { uniqueKeys: false, lineCounter: lines });
  for (const [index, doc] of docs.entries()) {
    const errors = doc.errors.map((error) => {
      const line = error.linePos?.[0];
      return `${line ? `line ${line.line}, column ${line.col}: ` : ''}${error.message.split('\n')[0]}`;
    });
    errors.push(...duplicateKeys(doc, lines));
    if (errors.length > 0) {
      problems.push(...errors);
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      problems.push(`document ${index + 1}: ${(error as Error).message}`);
      continue;
    }
    if (value === undefined || value === null) continue; // an empty document
    const valueShape = checkJsonValue(value);
    if (valueShape !== undefined) problems.push(`document ${index + 1}: ${valueShape}`);
    else values.push(value);
  }
  // A YAML error quotes the token it stumbled on, which can be as long as the file.
  return { values, problems: problems.slice(0, MAX_PROBLEMS_PER_OBJECT).map(limitProblem) };
}

/** Keys that appear twice in one mapping, compared as the JS object will see them. */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter): string[] {
  const problems: string[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const at = pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
        problems.push(`${at ? `line ${at.line}, column ${at.col}: ` : ''}Map keys must be unique`);
      }
    },
  });
  return problems;
}

