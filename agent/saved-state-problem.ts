/**
 * What is wrong with a saved desired state that cannot be used, in words an operator can
 * act on: empty, cut short (a write that never finished), not JSON at all, or JSON that
 * is not a desired state. Pure. `decodeReason` is what the schema decoder said.
 */
export function describeUnusable(text: string, decodeReason: string): string {
  if (text.trim() === '') return 'the file is empty';
  let message: string | undefined;
  try {
    JSON.parse(text);
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  if (message === undefined) return `it is JSON but not a desired state: ${decodeReason}`;
  // Bytes that are not UTF-8 text (read as U+FFFD) or control characters: not a text file at all.
  if (/[\ufffd\x00-\x08\x0e-\x1f]/.test(text)) return 'it is not JSON: binary data, not text';
  if (isCutShort(message, text)) return `it is cut short: its ${Buffer.byteLength(text)} bytes end in the middle of the JSON document (a write that never finished)`;
  // The parser quotes the text it choked on; only its words are kept.
  const words = message.replace(/, ".*"(\.\.\.)? is not valid JSON$/s, '').replace(/[^\x20-\x7e]/g, '?');
  return `it is not JSON (${words})`;
}

/** True when the parser ran out of text: the document was complete up to where the file stops. */
function isCutShort(message: string, text: string): boolean {
  if (message.includes('Unexpected end of JSON input') || message.startsWith('Unterminated string')) return true;
  const position = /at position (\d+)/.exec(message)?.[1];
  return position !== undefined && Number(position) >= text.trimEnd().length;
}
