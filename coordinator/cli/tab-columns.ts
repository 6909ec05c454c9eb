/**
 * Elastic tab stops, as kubectl's describe output is aligned (Go's text/tabwriter with
 * a padding of 2): each line is cells separated by tabs; a cell ended by a tab belongs
 * to a column, the text after the last tab does not. A column is as wide as its widest
 * cell plus 2, over a run of consecutive lines that have that column; a line with fewer
 * cells ends the run, so each section of a description lines up on its own.
 */

const PADDING = 2;

export function alignTabs(lines: readonly string[]): string[] {
  const rows = lines.map((line) => line.split('\t'));
  const widths = rows.map((cells) => new Array<number>(Math.max(0, cells.length - 1)).fill(0));

  const layout = (column: number, start: number, end: number): void => {
    let i = start;
    while (i < end) {
      if ((rows[i]?.length ?? 0) - 1 <= column) {
        i += 1;
        continue;
      }
      let j = i;
      let width = 0;
      while (j < end && (rows[j]?.length ?? 0) - 1 > column) {
        width = Math.max(width, (rows[j]?.[column] ?? '').length + PADDING);
        j += 1;
      }
      for (let k = i; k < j; k++) {
        const row = widths[k];
        if (row !== undefined) row[column] = width;
      }
      layout(column + 1, i, j);
      i = j;
    }
  };
  layout(0, 0, rows.length);

  return rows.map((cells, r) =>
    cells
      .map((cell, c) => (c < cells.length - 1 ? cell.padEnd(widths[r]?.[c] ?? 0) : cell))
      .join('')
      .trimEnd(),
  );
}
