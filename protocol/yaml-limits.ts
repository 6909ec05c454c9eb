import { CST, Lexer } from 'yaml';
import { MAX_MANIFEST_OBJECTS, MAX_NESTING_DEPTH, MAX_YAML_ALIASES } from './limits.js';

/**
 * Checks a YAML text's shape with the YAML lexer alone, before it is parsed: the YAML
 * composer recurses once per level of nesting and runs out of stack a few hundred levels
 * down (it reports that as a parse error, but a second overflow in the same process has
 * been seen to abort Node in its regular expression compiler), and a 1 MiB text of
 * nested brackets takes seconds to parse. The lexer is iterative and fast, and this
 * stops at the first limit passed.
 *
 * Flow nesting (`[`, `{`) is counted exactly. Block nesting is estimated from the
 * indentation levels open on a line plus the `- ` and `? ` indicators on it; the
 * estimate may fall short of the real depth (a sequence written at its key's own
 * indentation), so the exact check of the parsed value (checkJsonValue) still follows.
 * Returns a problem with its line and column, or undefined.
 */
export function checkYamlText(text: string): string | undefined {
  let documents = 0;
  let inDocument = false;
  let aliases = 0;
  let flow = 0;
  /** The indentations of the block collections open at this line. */
  const indents: number[] = [];
  /** `- ` and `? ` indicators on this line: each opens one more level (`- - x`). */
  let indicators = 0;
  let lineStart = true;
  let indent = 0;
  let inScalar = false;
  const position = new Position();

  for (const token of new Lexer().lex(text)) {
    const at = position.offset;
    position.advance(token);
    if (inScalar) {
      // A scalar's content; a block scalar's ends with its last line break.
      inScalar = false;
      if (token.endsWith('\n')) {
        lineStart = true;
        indent = 0;
      }
      continue;
    }
    const type = token === CST.SCALAR ? 'scalar' : CST.tokenType(token);
    if (type === 'newline') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (type === 'space') {
      if (lineStart) indent = token.length;
      continue;
    }
    if (type === 'comment' || type === 'byte-order-mark' || type === 'directive-line' || type === 'doc-mode' || type === 'flow-error-end') continue;
    if (type === 'doc-start' || type === 'doc-end') {
      inDocument = false;
      indents.length = 0;
      flow = 0;
      continue;
    }
    if (!inDocument) {
      inDocument = true;
      documents += 1;
      if (documents > MAX_MANIFEST_OBJECTS) return `more than ${MAX_MANIFEST_OBJECTS} documents (${position.describe(at)})`;
    }
    if (lineStart && flow === 0) {
      while (indents.length > 0 && (indents.at(-1) as number) > indent) indents.pop();
      if (indents.length === 0 || (indents.at(-1) as number) < indent) indents.push(indent);
      indicators = 0;
      if (indents.length > MAX_NESTING_DEPTH) return `nesting deeper than ${MAX_NESTING_DEPTH} (${position.describe(at)})`;
    }
    lineStart = false;
    switch (type) {
      case 'scalar':
        inScalar = true;
        continue;
      case 'alias':
        aliases += 1;
        if (aliases > MAX_YAML_ALIASES) return `more than ${MAX_YAML_ALIASES} aliases (${position.describe(at)})`;
        continue;
      case 'flow-map-start':
      case 'flow-seq-start':
        flow += 1;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flow = Math.max(0, flow - 1);
        continue;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flow === 0) indicators += 1;
        break;
      default:
        continue;
    }
    if (indents.length + indicators + flow > MAX_NESTING_DEPTH) return `nesting deeper than ${MAX_NESTING_DEPTH} (${position.describe(at)})`;
  }
  return undefined;
}

/** Line and column of an offset, counted as the tokens go by (no second pass over the text). */
class Position {
  offset = 0;
  private line = 1;
  private lineOffset = 0;

  advance(token: string): void {
    // Control tokens (document and scalar markers) are not in the source text.
    if (token.length === 1 && token < ' ' && token !== '\n' && token !== '\t') return;
    for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) {
      this.line += 1;
      this.lineOffset = this.offset + i + 1;
    }
    this.offset += token.length;
  }

  describe(offset: number): string {
    return `line ${this.line}, column ${offset - this.lineOffset + 1}`;
  }
}
