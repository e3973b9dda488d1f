/**
 * Annotated hexdump of a config space: `??` for bytes nobody read, `~` before bytes that are only
 * inferred (zero beyond the value of a read whose width is unknown), and the capabilities starting
 * on each row named at its end. Runs of wholly unknown rows fold into one line. Rows stay within 80
 * columns.
 */
import type {ConfigImageView} from '../evidence/types.js'
import type {ChainEntry} from './capability-chain.js'

export function renderHexdump(img: ConfigImageView, caps: readonly ChainEntry[] = []): string[] {
  const size = img.size
  const width = size > 0x100 ? 3 : 2
  const lines = [`${' '.repeat(width + 1)}${Array.from({length: 16}, (_, i) => ` ${i.toString(16).padStart(2, '0')}`).join('')}`]
  const capsByRow = new Map<number, string[]>()
  for (const c of caps) {
    const label = `${c.virtio?.cfgTypeName ?? c.name} @${c.offset.toString(16)}`
    const row = c.offset & ~0xf
    capsByRow.set(row, [...(capsByRow.get(row) ?? []), label])
  }
  let unknownRun: number | undefined
  const flushUnknown = (end: number) => {
    if (unknownRun === undefined) return
    lines.push(`${unknownRun.toString(16).padStart(width, '0')}-${(end - 1).toString(16).padStart(width, '0')}: all unknown`)
    unknownRun = undefined
  }
  for (let row = 0; row < size; row += 16) {
    let cells = ''
    let known = 0
    for (let i = 0; i < 16; i++) {
      const b = img.byte(row + i)
      if (!b) {
        cells += ' ??'
        continue
      }
      known++
      const mark = b.current.origin === 'inferred' ? '~' : b.current.origin === 'lspci-decode' ? '=' : ' '
      cells += `${mark}${b.current.value.toString(16).padStart(2, '0')}`
    }
    const label = capsByRow.get(row)
    if (known === 0 && !label) {
      unknownRun ??= row
      continue
    }
    flushUnknown(row)
    lines.push(`${row.toString(16).padStart(width, '0')}:${cells}${label ? `  < ${label.join(', ')}` : ''}`)
  }
  flushUnknown(size)
  return lines
}
