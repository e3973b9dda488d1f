/**
 * `probediff ingest`: the evidence per function, for a person (text) or a tool (JSON): an annotated
 * hexdump, the BARs, the capability chain as read, what the driver touched, the status progression
 * and the kernel's messages.
 */
import {type BridgeView, type BridgeWindow, bridgeView, describeWindow} from '../evidence/bridge.js'
import type {BarEvidence, DeviceEvidence, EvidenceSet} from '../evidence/types.js'
import {VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FAILED, VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET} from '../pci/layout.js'
import {hex} from '../util/hex.js'
import {formatSource} from '../util/source.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {type CapabilityChain, walkCapabilityChain} from './capability-chain.js'
import {hexdumpLegend, renderHexdump} from './hexdump.js'
import {renderTable} from './table.js'

const hexOrUnknown = (n: number | undefined) => (n === undefined ? '?' : hex(n))

const STATUS_BITS: [number, string][] = [
  [VIRTIO_CONFIG_S_ACKNOWLEDGE, 'ACKNOWLEDGE'],
  [VIRTIO_CONFIG_S_DRIVER, 'DRIVER'],
  [VIRTIO_CONFIG_S_FEATURES_OK, 'FEATURES_OK'],
  [VIRTIO_CONFIG_S_DRIVER_OK, 'DRIVER_OK'],
  [VIRTIO_CONFIG_S_NEEDS_RESET, 'NEEDS_RESET'],
  [VIRTIO_CONFIG_S_FAILED, 'FAILED'],
]

export function statusName(val: number): string {
  if (val === 0) return 'reset'
  return STATUS_BITS.filter(([bit]) => val & bit)
    .map(([, name]) => name)
    .join('|')
}

/** How a BAR was learnt, the sizing reply shown as what it is: history, not the register's value. */
const howText = (b: BarEvidence) => b.how.map((h) => (h === 'sizing' && b.sizingReply !== undefined && b.size ? `sizing (read ${hex(b.sizingReply)})` : h)).join(', ')

/** BAR table rows: the BARs the header type has (a bridge's registers past BAR 1 are bus numbers and
 * windows, not BARs, and are left out), then the expansion ROM as BAR 6 when anything shows it. */
export function barRows(bars: readonly BarEvidence[], rom?: BarEvidence, opts: {readonly sizingReplies?: boolean} = {}): string[][] {
  const how = opts.sizingReplies === false ? (b: BarEvidence) => b.how.join(', ') : howText
  const rows = bars
    .filter((b) => !(b.how.length === 1 && b.how[0] === 'header-type'))
    .map((b) => {
      if (b.upperHalfOf !== undefined) return [String(b.index), `upper half of BAR ${b.upperHalfOf}`, '', '', '', how(b)]
      if (b.size === 0) return [String(b.index), 'not implemented', '', '', '', how(b)]
      const kind = b.kind === undefined ? 'unknown' : b.kind === 'io' ? 'I/O' : `mem${b.is64 ? ' 64-bit' : ''}${b.prefetchable ? ' pref' : ''}`
      return [String(b.index), kind, hexOrUnknown(b.addr), b.size === undefined ? 'unknown' : hex(b.size), b.sources[0] ? formatSource(b.sources[0]) : '', how(b)]
    })
  if (rom) {
    const kind = rom.size === 0 ? 'no ROM' : `ROM${rom.romEnabled === undefined ? '' : rom.romEnabled ? ' enabled' : ' disabled'}`
    const size = rom.size === undefined ? 'unknown' : rom.size === 0 ? '' : hex(rom.size)
    rows.push(['6', kind, rom.size === 0 ? '' : hexOrUnknown(rom.addr), size, rom.sources[0] ? formatSource(rom.sources[0]) : '', how(rom)])
  }
  return rows
}

const busOrUnknown = (n: number | undefined) => (n === undefined ? '??' : n.toString(16).padStart(2, '0'))

/** A type 1 header read as what it is: buses and the windows it forwards (as read), BARs 0-1 only. */
export function bridgeLine(b: BridgeView): string {
  const windows = [
    b.io ? describeWindow('I/O', b.io) : 'I/O ?',
    b.mem ? describeWindow('memory', b.mem) : 'memory ?',
    b.pref ? describeWindow('prefetchable', b.pref) : 'prefetchable ?',
  ]
  const decode = b.ioDecode ? `; I/O decoding ${b.ioDecode.enabled ? 'on' : 'off'}` : ''
  return `PCI-to-PCI bridge (header type 1): bus ${busOrUnknown(b.primary)} -> ${busOrUnknown(b.secondary)}..${busOrUnknown(b.subordinate)}; windows as read: ${windows.join(', ')}${decode}`
}

export function renderCapabilityChain(chain: CapabilityChain): string[] {
  const lines = chain.entries.map((c) => {
    const v = c.virtio
    const virtio = v
      ? ` ${v.cfgTypeName ?? '?'} (cfg_type ${v.cfgType ?? '?'}) bar ${v.bar ?? '?'} offset ${hexOrUnknown(v.offset)} length ${hexOrUnknown(v.length)} cap_len ${v.capLen ?? '?'}${v.notifyOffMultiplier !== undefined ? ` multiplier ${hex(v.notifyOffMultiplier)}` : ''}`
      : ''
    return `${hex(c.offset)} ${c.name}${virtio} -> next ${hexOrUnknown(c.next)}`
  })
  if (chain.end !== 'end') lines.push(`(walk stopped: ${chain.endDetail ?? chain.end})`)
  return lines.length ? lines : ['(none)']
}

function renderDevice(d: DeviceEvidence): string[] {
  const out: string[] = []
  out.push(`${d.bdf}${d.qemuDevice ? ` ${d.qemuDevice}` : ''}`)
  const widths = d.cfgReadWidths
  out.push(
    `  config space: ${d.config.knownCount} of ${d.config.size} bytes known${widths ? `; read widths ${widths.exact} exact, ${widths.inferred} inferred` : ''} (${hexdumpLegend(d.config)})`,
  )
  const chain = walkCapabilityChain(d.config)
  out.push(...renderHexdump(d.config, chain.entries).map((l) => `    ${l}`))
  const bridge = bridgeView(d.config)
  if (bridge) out.push(`  ${bridgeLine(bridge)}`)
  out.push('  BARs:', ...renderTable(['bar', 'type', 'address', 'size', 'first evidence', 'from'], barRows(d.bars, d.expansionRom)).map((l) => `    ${l}`))
  out.push('  capabilities:', ...renderCapabilityChain(chain).map((l) => `    ${l}`))
  if (d.kernelDriver) out.push(`  kernel driver in use: ${d.kernelDriver.name}  (${formatSource(d.kernelDriver.src)})`)
  if (d.kernelModules) out.push(`  kernel modules: ${d.kernelModules.names.join(', ')}  (${formatSource(d.kernelModules.src)})`)
  if (d.regionSummary.length > 0) {
    out.push('  driver accesses:')
    for (const r of d.regionSummary) out.push(`    ${r.region.padEnd(10)} ${r.reads} reads, ${r.writes} writes (first ${formatSource(r.first)})`)
  } else if (d.traced) {
    out.push('  driver accesses: none seen')
  }
  if (d.status.length > 0) {
    out.push('  status:')
    // Runs of the same value (bus-master clears reset the device on every enumeration) fold into one line.
    // A long history keeps its start and what follows the kernel's last registration: say what is left out.
    const gaps = new Map((d.statusOmitted ?? []).map((g) => [g.before, g.count]))
    const gapLine = (at: number) => {
      const count = gaps.get(at)
      if (count !== undefined) out.push(`    ... ${count} status change${count === 1 ? '' : 's'} not kept`)
    }
    for (let i = 0; i < d.status.length; ) {
      gapLine(i)
      let j = i
      while (j + 1 < d.status.length && d.status[j + 1]!.val === d.status[i]!.val && !gaps.has(j + 1)) j++
      const first = d.status[i]!
      const times = j > i ? ` x${j - i + 1}, ${formatSource(first.src)} .. ${formatSource(d.status[j]!.src)}` : ` ${formatSource(first.src)}`
      out.push(`    ${hex(first.val).padEnd(5)} ${statusName(first.val)}  (${times.trim()})`)
      i = j + 1
    }
    gapLine(d.status.length)
    out.push(`    ACKNOWLEDGE reached: ${d.acknowledged ? 'yes (virtio-pci probe succeeded)' : 'no'}; DRIVER_OK reached: ${d.driverOk ? 'yes (a virtio driver bound)' : 'no'}`)
  }
  if (d.messages.length > 0) {
    out.push('  kernel messages:')
    for (const m of d.messages) out.push(`    ${m.text}  (${formatSource(m.src)})`)
  }
  return out
}

export function renderIngest(evidence: EvidenceSet): string {
  const out: string[] = []
  for (const i of evidence.inputs) {
    const unknown = Object.entries(i.unknownEvents)
    out.push(`${i.file}: ${i.format}, ${i.bytes} bytes, ${i.records} records${unknown.length ? `, skipped ${unknown.map(([k, v]) => `${v} ${k}`).join(', ')}` : ''}`)
  }
  if (evidence.kernel) out.push(`kernel: ${evidence.kernel.banner}`)
  if (evidence.cmdline) out.push(`command line: ${evidence.cmdline.text}`)
  for (const d of evidence.devices) out.push('', ...renderDevice(d))
  if (evidence.devices.length === 0) out.push('', 'no PCI function in the inputs')
  return sanitizeForTerminal(out.join('\n'))
}

function bridgeJson(b: BridgeView | undefined): unknown {
  if (!b) return undefined
  const w = (x: BridgeWindow | undefined) => x && {base: hex(x.base), limit: hex(x.limit), closed: x.closed, sources: x.sources.map(formatSource)}
  return {primary: b.primary, secondary: b.secondary, subordinate: b.subordinate, io: w(b.io), mem: w(b.mem), pref: w(b.pref), ioDecode: b.ioDecode && {enabled: b.ioDecode.enabled, source: formatSource(b.ioDecode.src)}}
}

/** JSON form of the evidence: config bytes as a list of known bytes with provenance. */
export function evidenceToJson(evidence: EvidenceSet): unknown {
  return {
    inputs: evidence.inputs,
    kernel: evidence.kernel && {release: evidence.kernel.release, banner: evidence.kernel.banner, source: formatSource(evidence.kernel.src)},
    cmdline: evidence.cmdline && {text: evidence.cmdline.text, source: formatSource(evidence.cmdline.src)},
    devices: evidence.devices.map((d) => {
      const bytes: {offset: string; value: string; origin: string; source: string; history?: number}[] = []
      for (let off = 0; off < d.config.size; off++) {
        const b = d.config.byte(off)
        if (b) bytes.push({offset: hex(off), value: hex(b.current.value), origin: b.current.origin, source: formatSource(b.current.src), ...(b.history ? {history: b.history.length} : {})})
      }
      return {
        bdf: d.bdf,
        qemuDevice: d.qemuDevice,
        config: {size: d.config.size, known: d.config.knownCount, bytes, readWidths: d.cfgReadWidths},
        bars: d.bars.map((b) => ({...b, addr: b.addr === undefined ? undefined : hex(b.addr), size: b.size === undefined ? undefined : hex(b.size), sizingReply: b.sizingReply === undefined ? undefined : hex(b.sizingReply), sources: b.sources.map(formatSource)})),
        bridge: bridgeJson(bridgeView(d.config)),
        capabilities: walkCapabilityChain(d.config),
        regionSummary: d.regionSummary.map((r) => ({...r, first: formatSource(r.first)})),
        omittedRegionAccesses: d.omittedRegionAccesses,
        status: d.status.map((s) => ({val: hex(s.val), name: statusName(s.val), source: formatSource(s.src), cause: s.cause})),
        statusOmitted: d.statusOmitted,
        acknowledged: d.acknowledged,
        driverOk: d.driverOk,
        messages: d.messages.map((m) => ({text: m.text, source: formatSource(m.src)})),
        kernelDriver: d.kernelDriver && {name: d.kernelDriver.name, source: formatSource(d.kernelDriver.src)},
        kernelModules: d.kernelModules && {names: d.kernelModules.names, source: formatSource(d.kernelModules.src)},
        expansionRom: d.expansionRom && {
          ...d.expansionRom,
          addr: d.expansionRom.addr === undefined ? 'unknown' : hex(d.expansionRom.addr),
          size: d.expansionRom.size === undefined ? 'unknown' : hex(d.expansionRom.size),
          sizingReply: d.expansionRom.sizingReply === undefined ? undefined : hex(d.expansionRom.sizingReply),
          sources: d.expansionRom.sources.map(formatSource),
        },
      }
    }),
    warnings: evidence.warnings.map((w) => ({...w, source: w.source && formatSource(w.source)})),
  }
}
