/**
 * A plain text table: columns separated by two spaces. Widths are computed on the plain text; an
 * optional `paint` decorates each padded cell afterwards (colors are zero-width on a terminal).
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: {rightAlign?: ReadonlySet<number>; paint?: (row: number, col: number, padded: string) => string} = {},
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const fmt = (cells: readonly string[], row: number) =>
    cells
      .map((c, i) => {
        const padded = opts.rightAlign?.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)
        return row >= 0 && opts.paint ? opts.paint(row, i, padded) : padded
      })
      .join('  ')
      .trimEnd()
  return [fmt(header, -1), ...rows.map((r, i) => fmt(r, i))]
}
