/** The table printed after a run: file, boxes, ms, status. */
export interface SummaryRow {
  file: string;
  boxes: number | undefined;
  ms: number;
  status: string;
}

export function formatSummaryTable(rows: SummaryRow[]): string {
  const header = ['file', 'boxes', 'ms', 'status'];
  const cells = rows.map((row) => [
    row.file,
    row.boxes === undefined ? '-' : String(row.boxes),
    String(row.ms),
    row.status,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const numeric = [false, true, true, false];
  const render = (line: string[]) =>
    line
      .map((cell, column) =>
        column === line.length - 1
          ? cell
          : numeric[column]
            ? cell.padStart(widths[column])
            : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths
    .map((width, column) => '-'.repeat(column === widths.length - 1 ? Math.max(width, 6) : width))
    .join('  ');
  return [render(header), rule, ...cells.map(render)].join('\n') + '\n';
}
