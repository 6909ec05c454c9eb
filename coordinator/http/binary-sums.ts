/**
 * `SHA256SUMS` as `sha256sum` writes it: `<64 hex>  <name>` (or `<hex> *<name>` in
 * binary mode), one file a line. The install server serves only the files named here, so
 * a name is a plain file name: no directory, no `..`, nothing starting with a dot.
 * Lines that are not that are skipped (and counted, to say so in the log).
 */

export interface BinarySums {
  /** File name → its lowercase hex SHA-256, in the file's order. */
  entries: Map<string, string>;
  skipped: number;
}

const LINE = /^([0-9a-fA-F]{64}) [ *]([A-Za-z0-9_+-][A-Za-z0-9._+-]*)$/;

export function parseBinarySums(text: string): BinarySums {
  const entries = new Map<string, string>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const match = LINE.exec(line);
    const name = match?.[2];
    if (!match || name === undefined || match[1] === undefined) {
      skipped += 1;
      continue;
    }
    entries.set(name, match[1].toLowerCase());
  }
  return { entries, skipped };
}
