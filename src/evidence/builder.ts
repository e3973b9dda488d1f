/**
 * Streams ingested records (in input order) into per-function evidence. Holds per-device facts only,
 * never the records themselves, so memory is bounded by the number of functions, not the input size.
 */
import {type HostBridgeIoWindow, parseCommandLine, parseHostBridgeIoWindow, parseLinuxVersion, parsePciBarLine} from '../ingest/kmsg-lines.js'
import {resolveUnnumberedBars, withEmptySlots} from '../ingest/lspci-bars.js'
import type {
  CfgAccessRecord,
  ConfigDumpRecord,
  DeviceFactRecord,
  KernelMessageRecord,
  MappingRecord,
  MemOpRecord,
  ResourceRecord,
  TraceRecord,
} from '../ingest/records.js'
import type {ConfigPathRegion, RecordSink} from '../ingest/sink.js'
import type {WarningSink} from '../util/errors.js'
import {hex} from '../util/hex.js'
import {formatBdf, parseBdf, type PciAddress} from '../util/pci-address.js'
import {formatSource, type SourceRef} from '../util/source.js'
import {CfgWidthPairer, configPathRegionOf, type ResolvedCfgAccess} from './access-width.js'
import {isSizedRegister} from './bars.js'
import {DeviceState} from './device-state.js'
import {RegionAttributor, regionOfName, spaceOfRegion} from './regions.js'
import {readOnlyCapabilityChanges} from './readonly-check.js'
import {StatusTracker} from './status.js'
import type {InputSummary} from '../ingest/records.js'
import type {EvidenceSet, KernelInfo} from './types.js'
import {PCI_BASE_ADDRESS_0} from '../pci/layout.js'

/** Kernel messages naming no device that are kept for context. */
export const OTHER_MESSAGE_CAP = 20_000
/** QEMU >= 8.0 traces config reads of absent functions under this device name. */
const ABSENT_FUNCTION = 'empty'
/** Distinct addresses of unattributed I/O accesses remembered, to tell whether a window learnt later covers them. */
const UNMAPPED_IO_KEPT = 256

/** A host bridge I/O window learnt from a kernel line that came after I/O accesses it covers. */
export interface LateIoWindow {
  readonly window: HostBridgeIoWindow
  readonly src: SourceRef
}

export class EvidenceBuilder implements RecordSink {
  private seq = 0
  /** The functions by domain:bus:slot.func packed into a number (see device()). */
  private readonly devicesByNumber = new Map<number, DeviceState>()
  private readonly pairer = new CfgWidthPairer(
    (access) => this.cfgAccess(access),
    ({cfg, how, memOp, memValue, memLine}) =>
      this.warnings.warn(
        'cfg-value-conflict',
        `pci_cfg_${cfg.op} of ${formatBdf({domain: cfg.domain ?? 0, bus: cfg.bus, slot: cfg.slot, func: cfg.func})} offset ${hex(cfg.offset)} says ${hex(cfg.value)}, but the ${how === 'cf8' ? 'pci-conf-data' : 'MMCONFIG'} ${memOp} of the same access (${formatSource({file: cfg.src.file, ...(memLine !== undefined ? {line: memLine} : {})})}) says ${hex(memValue)}: conflicting evidence, the width stays unknown`,
        cfg.src,
      ),
  )
  private readonly regions = new RegionAttributor()
  private readonly status: StatusTracker
  private kernel: KernelInfo | undefined
  private cmdline: {text: string; src: SourceRef} | undefined
  private readonly otherMessages: KernelMessageRecord[] = []
  private omittedOtherMessages = 0
  private readonly inputs: InputSummary[] = []
  /** Any memory_region_ops event at all (config path or virtio regions). */
  private memoryEventsTraced = false
  private readonly unmappedIo = new Set<number>()
  private readonly lateWindows: LateIoWindow[] = []

  /** `ioWindows`: host-bridge I/O windows known before the inputs (from an earlier pass over them). */
  constructor(private readonly warnings: WarningSink, ioWindows: readonly HostBridgeIoWindow[] = []) {
    this.status = new StatusTracker(warnings)
    for (const w of ioWindows) this.regions.ioWindow(w)
  }

  /** Host-bridge I/O windows that came after I/O accesses they cover: a second pass knowing them attributes those. */
  get lateIoWindows(): readonly LateIoWindow[] {
    return this.lateWindows
  }

  trace(r: TraceRecord): void {
    const seq = ++this.seq
    switch (r.kind) {
      case 'cfg':
        this.status.accessSeen()
        this.pairer.cfg(r, seq)
        return
      case 'mem':
        this.memoryEventsTraced = true
        this.status.accessSeen()
        if (configPathRegionOf(r.name) !== undefined) this.pairer.mem(r)
        else this.regionAccess(r, seq)
        return
      case 'mapping':
        this.mapping(r)
        return
      case 'status':
        this.status.status(r, seq)
        return
      case 'queue_notify':
      case 'notify_write':
        // Queue activity is not evidence about the probe; notify writes that reach a region are
        // already seen as memory_region_ops events.
        return
    }
  }

  /** The same as a `mem` record of a config-path region, without the record. */
  configPathAccess(op: 'read' | 'write', region: ConfigPathRegion, addr: number, value: number, size: number, line: number): void {
    ++this.seq
    this.memoryEventsTraced = true
    this.status.accessSeen()
    this.pairer.access(op, region, addr, value, size, line)
  }

  kmsg(r: KernelMessageRecord): void {
    this.seq++
    const version = parseLinuxVersion(r.text)
    if (version) {
      if (!this.kernel) this.kernel = {release: version.release, banner: version.banner, src: r.src}
      else if (this.kernel.release !== version.release) {
        this.warnings.warn('kernel-changed', `a second kernel (${version.release}) after ${this.kernel.release}: logs of two boots?`, r.src)
      }
    }
    const cmdline = parseCommandLine(r.text)
    if (cmdline !== undefined && !this.cmdline) this.cmdline = {text: cmdline, src: r.src}
    const window = r.bdf === undefined ? parseHostBridgeIoWindow(r.text) : undefined
    if (window) {
      this.regions.ioWindow(window)
      if ([...this.unmappedIo].some((a) => a >= window.cpuStart && a <= window.cpuEnd)) this.lateWindows.push({window, src: r.src})
    }

    const address = r.bdf === undefined ? undefined : parseBdf(r.bdf)
    if (!address) {
      if (this.otherMessages.length < OTHER_MESSAGE_CAP) this.otherMessages.push(r)
      else this.omittedOtherMessages++
      return
    }
    const device = this.device(address)
    device.addMessage(r)
    const bar = parsePciBarLine(r.text)
    // Only lines stating the BAR as it is (enumeration, assignment), not conflicts or releases.
    if (bar && (bar.note === undefined || bar.note === 'assigned')) {
      device.bars.onKernelBar(bar.bar, {kind: bar.kind, is64: bar.is64, prefetchable: bar.prefetchable, size: bar.size, start: bar.start}, r.src)
    }
  }

  dump(r: ConfigDumpRecord): void {
    const seq = ++this.seq
    const device = this.device(r)
    // A binary dump (sysfs config) names each byte by its file offset; a text dump names the row's line.
    const sourceOf = (offset: number): SourceRef => {
      const row = r.rowSources[Math.floor(offset / 16)]
      return row?.record !== undefined ? {file: row.file, record: offset} : (row ?? r.src)
    }
    device.image.observeDump(r.bytes, sourceOf, seq)
    device.bars.onDump(r.bytes, sourceOf)
  }

  resource(r: ResourceRecord): void {
    this.seq++
    this.device(r).bars.onResource(r.index, r.start, r.end, r.flags, r.src)
  }

  /** lspci's decoded text: BAR lines, decoded config bytes, the bound driver. */
  deviceFact(r: DeviceFactRecord): void {
    const seq = ++this.seq
    const device = this.device(r)
    switch (r.kind) {
      case 'lspci-bar':
        device.bars.onLspci(r.index, r.bar, r.src)
        return
      case 'lspci-unplaced-bars':
        device.unplacedBars = r
        return
      case 'decoded':
        for (const b of r.bytes) device.image.observeDecoded(b.offset, b.value, b.src, seq)
        return
      case 'driver':
        if (r.driver) {
          if (device.kernelDriver && device.kernelDriver.name !== r.driver.name) {
            this.warnings.warn('driver-changed', `${device.bdf}: driver ${r.driver.name} here, ${device.kernelDriver.name} in ${formatSource(device.kernelDriver.src)}`, r.driver.src)
          }
          device.kernelDriver = r.driver
        }
        if (r.modules) device.kernelModules = r.modules
        return
    }
  }

  /** Ends one input file: an access still waiting for its pair does not pair across files. */
  endInput(summary?: InputSummary): void {
    this.pairer.finish()
    if (summary) this.inputs.push(summary)
  }

  finish(): EvidenceSet {
    this.pairer.finish()
    this.status.finish()
    if (this.pairer.unpaired > 0) {
      this.warnings.warn(
        'cfg-width-unpaired',
        `${this.pairer.unpaired} config accesses had no matching pci-conf-data/MMCONFIG event: their widths are inferred`,
      )
    }
    if (this.omittedOtherMessages > 0) {
      this.warnings.warn('messages-capped', `kept ${OTHER_MESSAGE_CAP} kernel messages naming no device, ${this.omittedOtherMessages} more not kept`)
    }
    const devices = [...this.devicesByNumber].sort((a, b) => a[0] - b[0]).map(([, device]) => device)
    for (const device of devices) this.placeUnnumberedBars(device)
    for (const device of devices) {
      for (const change of readOnlyCapabilityChanges(device.image)) {
        this.warnings.warn(
          'config-readonly-changed',
          `${device.bdf}: capability byte ${hex(change.offset)} read as ${hex(change.before.value)} and later ${hex(change.after.value)}`,
          change.after.src,
        )
      }
    }
    return {
      devices: devices.map((d) => d.toEvidence(this.warnings, this.memoryEventsTraced)),
      ...(this.kernel ? {kernel: this.kernel} : {}),
      ...(this.cmdline ? {cmdline: this.cmdline} : {}),
      otherMessages: this.otherMessages,
      inputs: this.inputs,
      warnings: this.warnings.warnings,
    }
  }

  /** lspci -v's unnumbered BAR lines, placed by the BAR registers of any dump of the same device. */
  private placeUnnumberedBars(device: DeviceState): void {
    const unplaced = device.unplacedBars
    if (!unplaced) return
    const registers = new Uint8Array(4 * unplaced.slots)
    let dumped = true
    for (let i = 0; i < registers.length && dumped; i++) {
      const byte = device.image.byte(PCI_BASE_ADDRESS_0 + i)?.current
      if (byte?.origin === 'dump') registers[i] = byte.value
      else dumped = false
    }
    const lines = unplaced.lines.map((l) => ({index: undefined, ...l}))
    const resolved = dumped ? resolveUnnumberedBars(lines, unplaced.slots, registers) : undefined
    if (!resolved) {
      this.warnings.warn(
        'lspci-bar-index',
        'lspci -v prints BARs without their number and no input tells which is which (use -vv, or add the -xxx dump of the same device); these BAR lines are ignored',
        unplaced.src,
      )
      return
    }
    for (const bar of unplaced.emptiesKnown ? withEmptySlots(resolved, unplaced.slots, unplaced.src) : resolved) device.bars.onLspci(bar.index, bar.bar, bar.src)
  }

  private device(address: Omit<PciAddress, 'domain'> & {readonly domain?: number}): DeviceState {
    // Called for every config access: look up by a number, format the BDF only for a new device. The
    // number is unique because every ingest passes only addresses that isPciAddress accepts.
    const domain = address.domain ?? 0
    const {bus, slot, func} = address
    const numeric = domain * 0x10000 + bus * 0x100 + slot * 8 + func
    const cached = this.devicesByNumber.get(numeric)
    if (cached) return cached
    const full: PciAddress = {domain, bus, slot, func}
    const key = formatBdf(full)
    const device = new DeviceState(
      full,
      (offset, before, after) =>
        this.warnings.warn(
          'config-readonly-changed',
          `${key}: read-only config byte ${hex(offset)} was ${hex(before.value)} (${formatSource(before.src)}), now ${hex(after.value)}`,
          after.src,
        ),
      (offset, decoded, other) =>
        this.warnings.warn(
          'lspci-decode-conflict',
          `${key}: config byte ${hex(offset)} is ${hex(other.value)} in ${formatSource(other.src)} but lspci decoded ${hex(decoded.value)} in ${formatSource(decoded.src)}`,
          decoded.src,
        ),
    )
    this.devicesByNumber.set(numeric, device)
    return device
  }

  /** The device a QEMU event names, checking its QOM name against earlier events. */
  private namedDevice(r: CfgAccessRecord | MappingRecord): DeviceState {
    const device = this.device(r)
    if (r.dev === '') return device // pre-7.0 mapping events print a pointer, not the name
    if (device.qemuDevice === undefined) device.qemuDevice = r.dev
    else if (device.qemuDevice !== r.dev) {
      this.warnings.warn(
        'machine-changed',
        `${device.bdf} is ${r.dev} here but was ${device.qemuDevice} before: traces of different machines in one input?`,
        r.src,
      )
    }
    return device
  }

  private cfgAccess({record: r, seq, width}: ResolvedCfgAccess): void {
    if (r.dev === ABSENT_FUNCTION) return
    if (r.busUnknown) {
      this.warnings.warn('cfg-bus-unknown', 'QEMU before 7.0 printed no bus number: functions are assumed to be on bus 0', r.src)
    }
    const device = this.namedDevice(r)
    device.traced = true
    if (r.op === 'read') {
      if (width === undefined) device.cfgReadWidths.inferred++
      else device.cfgReadWidths.exact++
      device.image.observeRead(r.offset, r.value, width, r.src, seq)
      device.bars.onCfgRead(r.offset, r.value, width, r.src)
    } else {
      device.image.observeWrite(r.offset, r.value, width, r.src, seq)
      const restored = device.bars.onCfgWrite(r.offset, r.value, width)
      if (restored && isSizedRegister(device.image, r.offset)) device.image.observeRestore(r.offset, r.value, restored.certainBytes, r.src, seq)
      this.status.cfgWrite(device, r.offset, r.value, width)
    }
  }

  private mapping(r: MappingRecord): void {
    if (r.dev === ABSENT_FUNCTION) return
    const device = this.namedDevice(r)
    device.bars.onMapping(r.bar, r.op, r.addr, r.size, r.src)
    this.regions.mapped(device, r.bar, r.op, r.addr, r.size)
  }

  private regionAccess(r: MemOpRecord, seq: number): void {
    const region = regionOfName(r.name)
    if (!region) return
    const result = this.regions.attribute(r, region)
    if (result === 'unmapped' || result === 'ambiguous') {
      if (result === 'unmapped' && spaceOfRegion(region) === 'io' && this.unmappedIo.size < UNMAPPED_IO_KEPT) this.unmappedIo.add(r.addr)
      const why = result === 'unmapped' ? 'lies in no BAR mapped so far' : 'lies in more than one mapped BAR'
      this.warnings.warn(`region-${result}`, `access to '${r.name}' at ${hex(r.addr)} ${why}: not attributed to a device`, r.src)
      return
    }
    result.device.addRegionAccess(result.access, seq)
    this.status.regionAccess(result.device, result.access)
  }
}
