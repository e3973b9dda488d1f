/**
 * Renders bytes as xxd, hexdump and od print them (xxd 2022-01-14, util-linux 2.38 hexdump, GNU
 * coreutils od), for the round-trip property tests. hexdump-render.test.ts checks every renderer
 * against the real tools' output: the saved fixtures always, and generated inputs where the tools
 * are installed.
 */

export type HexFormat = 'xxd' | 'xxd -a' | 'xxd -e' | 'hexdump -C' | 'hexdump' | 'od -x' | 'od -tx1' | 'od -Ax -tx1' | 'od -Ax -tx1z'

export const HEX_FORMATS: readonly HexFormat[] = ['xxd', 'xxd -a', 'xxd -e', 'hexdump -C', 'hexdump', 'od -x', 'od -tx1', 'od -Ax -tx1', 'od -Ax -tx1z']

const ROW = 16

const h2 = (b: number) => b.toString(16).padStart(2, '0')
const pad = (n: number, radix: number, width: number) => n.toString(radix).padStart(width, '0')
const printable = (b: number) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.')
const ascii = (row: Uint8Array) => Array.from(row, printable).join('')

function rows(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < bytes.length; off += ROW) out.push(bytes.subarray(off, off + ROW))
  return out
}

function sameRow(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === ROW && b.length === ROW && a.every((v, i) => v === b[i])
}

/** hexdump and od: a full row equal to the row before is left out, a run of them shown as one `*`. */
function squeezed(bytes: Uint8Array, line: (row: Uint8Array, offset: number) => string): string[] {
  const out: string[] = []
  const all = rows(bytes)
  let inRun = false
  all.forEach((row, i) => {
    if (i > 0 && sameRow(row, all[i - 1]!)) {
      if (!inRun) out.push('*')
      inRun = true
      return
    }
    inRun = false
    out.push(line(row, i * ROW))
  })
  return out
}

/** Little-endian 16-bit words; an odd last byte is padded with zero (as od and hexdump do). */
function words(row: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < row.length; i += 2) out.push(row[i]! | ((row[i + 1] ?? 0) << 8))
  return out
}

function xxdLine(row: Uint8Array, offset: number): string {
  let hex = ''
  for (let i = 0; i < ROW; i++) {
    hex += i < row.length ? h2(row[i]!) : '  '
    if (i % 2 === 1) hex += ' '
  }
  return `${pad(offset, 16, 8)}: ${hex} ${ascii(row)}`
}

/** xxd -e: 4-byte groups shown as little-endian words (whole groups only: lengths divisible by 4). */
function xxdLittleEndianLine(row: Uint8Array, offset: number): string {
  let hex = ''
  for (let g = 0; g < ROW; g += 4) {
    const group = row.subarray(g, g + 4)
    hex += group.length === 0 ? '        ' : Array.from(group).reverse().map(h2).join('').padStart(8, ' ')
    hex += ' '
  }
  return `${pad(offset, 16, 8)}: ${hex} ${ascii(row)}`
}

/** xxd -a: of a run of all-zero full rows the first is shown, then `*` for two or more (the file's last row is always shown). */
function xxdAutoskip(bytes: Uint8Array): string[] {
  const all = rows(bytes)
  const zero = (r: Uint8Array) => r.length === ROW && r.every((b) => b === 0)
  const out: string[] = []
  let i = 0
  while (i < all.length) {
    if (!zero(all[i]!)) {
      out.push(xxdLine(all[i]!, i * ROW))
      i++
      continue
    }
    let j = i
    while (j < all.length && zero(all[j]!)) j++
    out.push(xxdLine(all[i]!, i * ROW))
    const lastShown = j === all.length ? j - 1 : j // at the end of the file its last row is printed
    const middle = lastShown - (i + 1)
    if (middle === 1) out.push(xxdLine(all[i + 1]!, (i + 1) * ROW))
    else if (middle >= 2) out.push('*')
    if (j === all.length && lastShown > i) out.push(xxdLine(all[lastShown]!, lastShown * ROW))
    i = j
  }
  return out
}

function hexdumpCanonicalLine(row: Uint8Array, offset: number): string {
  let hex = ''
  for (let i = 0; i < ROW; i++) {
    hex += i < row.length ? `${h2(row[i]!)} ` : '   '
    if (i === 7) hex += ' '
  }
  return `${pad(offset, 16, 8)}  ${hex} |${ascii(row)}|`
}

function hexdumpWordsLine(row: Uint8Array, offset: number): string {
  const w = words(row)
  let text = pad(offset, 16, 7)
  for (let i = 0; i < ROW / 2; i++) text += i < w.length ? ` ${pad(w[i]!, 16, 4)}` : '     '
  return text
}

function odLine(row: Uint8Array, offset: number, radix: 8 | 16, unit: 1 | 2, z: boolean): string {
  const width = radix === 8 ? 7 : 6
  const values = unit === 2 ? words(row).map((w) => ` ${pad(w, 16, 4)}`) : Array.from(row, (b) => ` ${h2(b)}`)
  let text = pad(offset, radix, width) + values.join('')
  if (z) text += `${' '.repeat((ROW - row.length) * 3)}  >${ascii(row)}<`
  return text
}

/** The tool's whole output for these bytes, one string per line. */
export function renderHexDump(bytes: Uint8Array, format: HexFormat): string[] {
  const n = bytes.length
  switch (format) {
    case 'xxd':
      return rows(bytes).map((r, i) => xxdLine(r, i * ROW))
    case 'xxd -a':
      return xxdAutoskip(bytes)
    case 'xxd -e':
      return rows(bytes).map((r, i) => xxdLittleEndianLine(r, i * ROW))
    case 'hexdump -C':
      return [...squeezed(bytes, hexdumpCanonicalLine), pad(n, 16, 8)]
    case 'hexdump':
      return [...squeezed(bytes, hexdumpWordsLine), pad(n, 16, 7)]
    case 'od -x':
      return [...squeezed(bytes, (r, o) => odLine(r, o, 8, 2, false)), pad(n, 8, 7)]
    case 'od -tx1':
      return [...squeezed(bytes, (r, o) => odLine(r, o, 8, 1, false)), pad(n, 8, 7)]
    case 'od -Ax -tx1':
      return [...squeezed(bytes, (r, o) => odLine(r, o, 16, 1, false)), pad(n, 16, 6)]
    case 'od -Ax -tx1z':
      return [...squeezed(bytes, (r, o) => odLine(r, o, 16, 1, true)), pad(n, 16, 6)]
  }
}
