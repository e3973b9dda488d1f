/**
 * Annotated hexdump of a config space: `??` for bytes nobody read, `~` before bytes that are only
 * inferred (zero beyond the value of a read whose width is unknown), `=` before bytes lspci decoded,
 * `^` before a BAR or ROM register's bytes the guest wrote back after sizing it (the register's final
 * value; the sizing reply is history, not the value), and the capabilities starting on each row named
 * at its end (for a bridge, also what its header rows hold: a type 1 header's 0x10-0x3f are BARs 0-1,
 * bus numbers, windows and the ROM register at 0x38, not six BARs and subsystem ids). Runs of wholly unknown rows fold into one line. Rows stay within 80 columns.
 */
import {headerTypeOf} from '../evidence/config-image.js'
import type {ByteOrigin, ConfigImageView} from '../evidence/types.js'
import {PCI_CB_CAPABILITY_LIST, PCI_CB_SUBSYSTEM_VENDOR_ID, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_CARDBUS, PCI_HEADER_TYPE_MASK, PCI_ROM_ADDRESS1} from '../pci/layout.js'
import type {ChainEntry} from './capability-chain.js'

const MARKS: Partial<Record<ByteOrigin, string>> = {inferred: '~', 'lspci-decode': '=', restored: '^'}

const LEGEND: readonly (readonly [ByteOrigin, string])[] = [
  ['inferred', '~ inferred'],
  ['lspci-decode', '= decoded by lspci'],
  ['restored', '^ written back after sizing'],
]

/** The legend for a dump: `?? unknown` and the marks the dump uses. */
export function hexdumpLegend(img: ConfigImageView): string {
  const used = new Set<ByteOrigin>()
  for (let off = 0; off < img.size; off++) {
    const origin = img.byte(off)?.current.origin
    if (origin !== undefined) used.add(origin)
  }
  return ['?? unknown', ...LEGEND.filter(([origin]) => used.has(origin)).map(([, text]) => text)].join(', ')
}

/** What a bridge's header rows hold (an endpoint's need no note): BARs, bus numbers, windows, ROM. */
const HEADER_ROWS: Readonly<Record<number, readonly (readonly [number, string])[]>> = {
  [PCI_HEADER_TYPE_BRIDGE]: [
    [0x10, 'BAR 0-1, buses, I/O'],
    [0x20, 'mem, pref windows'],
    [0x30, `ROM @${PCI_ROM_ADDRESS1.toString(16)}`],
  ],
  [PCI_HEADER_TYPE_CARDBUS]: [
    [0x10, `BAR 0, caps @${PCI_CB_CAPABILITY_LIST.toString(16)}`],
    [0x40, `subsystem @${PCI_CB_SUBSYSTEM_VENDOR_ID.toString(16)}`],
  ],
}

export function renderHexdump(img: ConfigImageView, caps: readonly ChainEntry[] = []): string[] {
  const size = img.size
  const width = size > 0x100 ? 3 : 2
  const lines = [`${' '.repeat(width + 1)}${Array.from({length: 16}, (_, i) => ` ${i.toString(16).padStart(2, '0')}`).join('')}`]
  const capsByRow = new Map<number, string[]>()
  const type = headerTypeOf(img)
  for (const [row, label] of type === undefined ? [] : (HEADER_ROWS[type & PCI_HEADER_TYPE_MASK] ?? [])) capsByRow.set(row, [label])
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
      const mark = MARKS[b.current.origin] ?? ' '
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
