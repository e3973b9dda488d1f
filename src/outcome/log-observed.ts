/**
 * What the kernel's own log (and lspci -k) says it did with one PCI function, without a trace.
 *
 * The facts, each from the kernel's own lines (drivers/virtio/virtio_pci_*.c, drivers/base/dd.c):
 *  - `virtio-pci: probe of BDF failed with error -N` (up to 6.8) / `virtio-pci BDF: probe with driver
 *    virtio-pci failed with error -N` (6.9+): virtio_pci_probe returned -N; nothing was registered.
 *    -ENODEV and -ENXIO are never printed (debug only), so no such line does not mean success.
 *  - a line of the virtio device registered for the function (`virtio_blk virtio1: ...`): the probe
 *    registered it, so it returned 0 (register_virtio_device is its last step). `virtioN` is the index
 *    of the registration, not the slot: it is tied to a function only when the log says which (a
 *    path-based netdev name, `enp0s3`), or when one virtio-pci function is the only one that can have
 *    registered anything (see linkVirtioIndexes).
 *  - `Kernel driver in use: virtio-pci` (lspci -k): the probe returned 0.
 *  - `virtio_pci: leaving for legacy driver`: the modern probe found no usable common capability and
 *    returned -ENODEV, so the legacy probe ran. With the probe returning 0, the transport is legacy.
 *    Without a registration fact, no later error means legacy only where the legacy probe cannot have
 *    declined silently: device id 0x1000..0x103f and revision 0 (known from the evidence, or, up to
 *    5.15, from the absence of the `expected ABI version` line in a log that covers the probe).
 *  - the probe returned 0 without that line: modern (the modern probe succeeds silently; a silent
 *    modern -ENODEV is an id outside 0x1000..0x107f, which the legacy probe declines too), unless
 *    force_legacy is on (the legacy probe may then have succeeded silently, or failed silently first).
 * A log "covers the probe" when it holds the function's enumeration line (`pci BDF: [1af4:...]`):
 * lines of the probe come later, so a log kept from there on misses none of them.
 * Checked against virtio_pci_{common,modern,legacy}.c / virtio_pci_{modern,legacy}_dev.c and
 * drivers/base/dd.c of Debian 5.10.223, 6.1.192, 6.12.117 and 7.3.4.
 * Limits: force_legacy is read from the kernel command line (a modprobe option does not show in the
 * log); a kernel built without CONFIG_VIRTIO_PCI_LEGACY returns -ENODEV silently after "leaving for
 * legacy driver", which the log cannot tell from a legacy success without a registration fact.
 */
import {bdfOfPathNetdevName, parsePciEnumLine, parseProbeFailure, parseVirtioDeviceLine, parseVirtioPciMessage} from '../ingest/kmsg-lines.js'
import type {KernelMessageRecord} from '../ingest/records.js'
import type {DeviceEvidence, EvidenceSet} from '../evidence/types.js'
import {PCI_VENDOR_ID_REDHAT_QUMRANET} from '../pci/layout.js'
import {formatSource} from '../util/source.js'
import type {Transport} from '../model/types.js'

/** Device ids virtio-pci can register (modern probe: 0x1000..0x107f; the legacy range lies inside). */
const VIRTIO_ID_FIRST = 0x1000
const VIRTIO_ID_LAST = 0x107f
const LEGACY_ID_LAST = 0x103f
/** Lines of other virtio transports: their devices take virtioN indexes too. */
const OTHER_TRANSPORT_RE = /\bvirtio[-_]mmio\b|\bvirtio_ccw\b|\bvirtio[-_]vdpa\b|\bvduse\b/

export interface VirtioLink {
  readonly index: number
  /** How the index was tied to the function, in words. */
  readonly how: string
}

export interface VirtioDeviceFacts {
  readonly link: VirtioLink
  readonly lines: readonly KernelMessageRecord[]
  /** The driver core's report of the virtio driver's failed probe. */
  readonly failure?: {readonly driver: string; readonly error: number; readonly text: string; readonly src: string}
  /** A line a bound driver prints (`renamed from`, `[vda]`) and no failure: DRIVER_OK. */
  readonly bound?: {readonly text: string; readonly src: string}
}

const links = new WeakMap<EvidenceSet, ReadonlyMap<string, VirtioLink>>()

/** All kernel lines of the set, device-named or not. */
function allMessages(set: EvidenceSet): KernelMessageRecord[] {
  return [...set.otherMessages, ...set.devices.flatMap((d) => d.messages)]
}

function vendorDevice(dev: DeviceEvidence): {vendor?: number; device?: number; src?: string} {
  const word = (off: number) => {
    const lo = dev.config.byte(off)
    const hi = dev.config.byte(off + 1)
    return lo && hi ? lo.current.value | (hi.current.value << 8) : undefined
  }
  const vendor = word(0)
  const device = word(2)
  if (vendor !== undefined && device !== undefined) return {vendor, device, src: formatSource(dev.config.byte(2)!.current.src)}
  const enumLine = dev.messages.map((m) => ({m, e: parsePciEnumLine(m.text)})).find((x) => x.e)
  return enumLine ? {vendor: enumLine.e!.vendor, device: enumLine.e!.device, src: formatSource(enumLine.m.src)} : {}
}

/** Whether the function can be registered by virtio-pci at all (vendor 0x1af4, id 0x1000..0x107f);
 * undefined when the evidence does not say. */
function canRegister(dev: DeviceEvidence): boolean | undefined {
  const {vendor, device} = vendorDevice(dev)
  if (vendor === undefined || device === undefined) return undefined
  return vendor === PCI_VENDOR_ID_REDHAT_QUMRANET && device >= VIRTIO_ID_FIRST && device <= VIRTIO_ID_LAST
}

/**
 * virtioN -> function, only where the log leaves no doubt:
 *  - a netdev of virtioN has a path-based name (`virtio_net virtio0 enp0s3: renamed from eth0`):
 *    udev named it after the PCI function above virtio0;
 *  - one function of the inputs can be registered by virtio-pci (the others are known not to be
 *    virtio-pci devices), the log shows no other virtio transport, and one virtioN index appears.
 * Registration order is not used to tie several functions: it depends on probe order, hotplug and
 * rebinding, which the log does not show.
 */
export function linkVirtioIndexes(set: EvidenceSet): ReadonlyMap<string, VirtioLink> {
  const cached = links.get(set)
  if (cached) return cached
  const byBdf = new Map<string, VirtioLink>()
  const indexes = new Set<number>()
  let otherTransport = false
  for (const m of allMessages(set)) {
    if (OTHER_TRANSPORT_RE.test(m.text)) otherTransport = true
    const v = parseVirtioDeviceLine(m.text)
    if (!v) continue
    indexes.add(v.index)
    const bdf = v.netdev === undefined ? undefined : bdfOfPathNetdevName(v.netdev)
    if (bdf && !byBdf.has(bdf)) byBdf.set(bdf, {index: v.index, how: `netdev ${v.netdev} of virtio${v.index} is named after ${bdf} (${formatSource(m.src)})`})
  }
  const candidates = set.devices.filter((d) => canRegister(d) !== false)
  if (byBdf.size === 0 && !otherTransport && indexes.size === 1 && candidates.length === 1 && canRegister(candidates[0]!) === true) {
    const index = [...indexes][0]!
    byBdf.set(candidates[0]!.bdf, {index, how: `the only virtio-pci function of the inputs, and virtio${index} the only virtio device in the log`})
  }
  links.set(set, byBdf)
  return byBdf
}

/** Lines a bound driver prints once its device works: a renamed netdev, a block device's size. */
const BOUND_LINE_RE = /^renamed from |^\[vd[a-z]+\] /

export function virtioDeviceFacts(set: EvidenceSet, link: VirtioLink): VirtioDeviceFacts {
  const lines = allMessages(set).filter((m) => parseVirtioDeviceLine(m.text)?.index === link.index)
  let failure: VirtioDeviceFacts['failure']
  let bound: VirtioDeviceFacts['bound']
  for (const m of lines) {
    const v = parseVirtioDeviceLine(m.text)!
    if (v.probeError !== undefined) failure = {driver: v.driver, error: v.probeError, text: m.text, src: formatSource(m.src)}
    else if (!bound && BOUND_LINE_RE.test(v.rest)) bound = {text: m.text, src: formatSource(m.src)}
  }
  return {link, lines, ...(failure ? {failure} : {}), ...(bound && !failure ? {bound} : {})}
}

export interface LogObservation {
  readonly transport: Transport | 'unknown'
  readonly transportEvidence: string
  /** The probe returned 0 (registered), did not (false), or the log cannot tell (undefined). */
  readonly registered?: boolean
  readonly registeredEvidence: string
  /** The errno the driver core printed for a failed probe (negative). */
  readonly probeError?: number
  readonly driverOk?: boolean
  readonly virtioDevice?: VirtioDeviceFacts
}

export interface LogObserveOptions {
  readonly kernelLog: boolean
  readonly forceLegacy: boolean
  /** The legacy probe prints `virtio_pci: expected ABI version` on a revision mismatch (up to 5.15). */
  readonly legacyAbiMessage: boolean
  /** Errno of the legacy probe when pci_iomap of BAR0 fails (-ENOMEM up to 5.16 falls back to the
   * modern probe under force_legacy; -EIO from 5.17 ends the probe); undefined when not known. */
  readonly legacyIomapErrno?: 'ENOMEM' | 'EIO'
  /** The log has an `expected ABI version` line (it names no device). */
  readonly abiLinePrinted: boolean
  /** Registration shown by other evidence (the trace's reset-then-ACKNOWLEDGE), in words. */
  readonly registeredElsewhere?: string
}

export function observeFromLog(set: EvidenceSet, dev: DeviceEvidence, opts: LogObserveOptions): LogObservation {
  const messages = opts.kernelLog ? dev.messages : []
  const covered = messages.some((m) => m.tag === 'pci-enum' || parsePciEnumLine(m.text) !== undefined)
  const failures = messages.flatMap((m) => {
    const f = parseProbeFailure(m.text)
    return f && f.driver === 'virtio-pci' && f.bdf === dev.bdf ? [{...f, m}] : []
  })
  const failure = failures[failures.length - 1]
  const leaving = messages.find((m) => parseVirtioPciMessage(m.text)?.kind === 'leaving-for-legacy')
  const link = opts.kernelLog ? linkVirtioIndexes(set).get(dev.bdf) : undefined
  const virtioDevice = link ? virtioDeviceFacts(set, link) : undefined

  const registeredBy: string[] = []
  if (virtioDevice && virtioDevice.lines.length > 0) registeredBy.push(`virtio${link!.index} exists (${link!.how})`)
  if (dev.kernelDriver?.name === 'virtio-pci') registeredBy.push(`lspci -k: Kernel driver in use: virtio-pci (${formatSource(dev.kernelDriver.src)})`)
  if (opts.registeredElsewhere !== undefined) registeredBy.push(opts.registeredElsewhere)

  const base = {
    ...(virtioDevice ? {virtioDevice} : {}),
    ...(virtioDevice?.failure ? {driverOk: false} : virtioDevice?.bound ? {driverOk: true} : {}),
  }
  const other = dev.kernelDriver && dev.kernelDriver.name !== 'virtio-pci' ? dev.kernelDriver : undefined
  if (other && !failure && registeredBy.length === 0) {
    // Another driver holds the function: virtio-pci's probe failed silently, or never ran (driver_override).
    const why = `lspci -k: Kernel driver in use: ${other.name} (${formatSource(other.src)}): not virtio-pci, whose probe failed silently or never ran`
    return {...base, transport: 'unknown', transportEvidence: why, registeredEvidence: why}
  }
  if (failure && registeredBy.length > 0) {
    const why = `conflicting evidence: ${failure.m.text} (${formatSource(failure.m.src)}) but ${registeredBy.join('; ')}`
    return {...base, transport: 'unknown', transportEvidence: why, registeredEvidence: why}
  }
  if (failure) {
    const where = `${failure.m.text} (${formatSource(failure.m.src)})`
    return {...base, transport: 'none', transportEvidence: `the probe failed: ${where}`, registered: false, registeredEvidence: where, probeError: failure.error}
  }
  const leavingAt = leaving ? ` (${formatSource(leaving.src)})` : ''
  if (leaving && opts.forceLegacy) {
    // force_legacy: the modern probe runs only after the legacy one returned -ENODEV or -ENOMEM, and
    // its -ENODEV is then the probe's return, which the driver core does not print.
    const why = `force_legacy on and "leaving for legacy driver"${leavingAt}: the legacy probe failed, then the modern one returned -ENODEV (not printed)`
    if (registeredBy.length > 0) {
      const conflict = `conflicting evidence: ${why}, but ${registeredBy.join('; ')}`
      return {...base, transport: 'unknown', transportEvidence: conflict, registeredEvidence: conflict}
    }
    return {...base, transport: 'none', transportEvidence: why, registered: false, registeredEvidence: why}
  }
  if (registeredBy.length > 0) {
    const registeredEvidence = registeredBy.join('; ')
    if (leaving) return {...base, transport: 'legacy', transportEvidence: `registered after "leaving for legacy driver"${leavingAt}`, registered: true, registeredEvidence}
    if (!covered) return {...base, transport: 'unknown', transportEvidence: 'registered, but the log does not cover the probe (no enumeration line of the function)', registered: true, registeredEvidence}
    if (opts.forceLegacy) {
      const first = forceLegacyRegistrant(dev, opts)
      return {...base, transport: first.transport ?? 'unknown', transportEvidence: `registered with force_legacy on and no probe message: ${first.why}`, registered: true, registeredEvidence}
    }
    return {...base, transport: 'modern', transportEvidence: 'registered with no "leaving for legacy driver" in a log that covers the probe', registered: true, registeredEvidence}
  }
  if (leaving) {
    const silent = legacySilentDecline(dev, covered, opts)
    if (silent === undefined) {
      return {
        ...base,
        transport: 'legacy',
        transportEvidence: `"leaving for legacy driver"${leavingAt} and no probe failure after it; the legacy probe cannot have declined silently (${legacyAccepts(dev, covered, opts)})`,
        registered: true,
        registeredEvidence: `no probe failure reported after "leaving for legacy driver"${leavingAt}`,
      }
    }
    return {...base, transport: 'unknown', transportEvidence: `"leaving for legacy driver"${leavingAt} and no error after it: legacy, or the legacy probe declined silently (${silent})`, registeredEvidence: silent}
  }
  const none = !opts.kernelLog ? 'no kernel log' : 'no probe failure in the log, and no virtio device of the log tied to this function (-ENODEV is not printed)'
  return {...base, transport: 'unknown', transportEvidence: none, registeredEvidence: none}
}

/**
 * force_legacy on, the probe returned 0, no "leaving for legacy driver": which probe registered. The
 * legacy probe runs first and declines (-ENODEV) an id outside 0x1000..0x103f or a revision other than
 * 0; the modern probe then succeeded (silently). Past those checks the legacy probe succeeded unless
 * its pci_iomap of BAR0 failed: -EIO (5.17+) is printed by the driver core, which this log does not
 * show, while -ENOMEM (up to 5.16) falls back to the modern probe silently, so there BAR 0 must be
 * known to be a resource pci_iomap maps (a length, an address, I/O or memory).
 */
function forceLegacyRegistrant(dev: DeviceEvidence, opts: LogObserveOptions): {transport?: Transport; why: string} {
  const {device, src} = vendorDevice(dev)
  if (device === undefined) return {why: 'legacy, or modern after a silent legacy decline (device id unknown)'}
  const at = src ? ` (${src})` : ''
  if (device < VIRTIO_ID_FIRST || device > LEGACY_ID_LAST) {
    return {transport: 'modern', why: `device id 0x${device.toString(16)}${at} is outside 0x1000..0x103f, so the legacy probe declined and the modern one registered`}
  }
  const rev = dev.config.byte(0x08)
  if (!rev) return {why: 'legacy, or modern after a silent legacy decline (revision unknown)'}
  if (rev.current.value !== 0) {
    return {transport: 'modern', why: `revision ${rev.current.value} (${formatSource(rev.current.src)}), so the legacy probe declined and the modern one registered`}
  }
  const accepted = `device id 0x${device.toString(16)}${at} and revision 0 (${formatSource(rev.current.src)}) pass the legacy probe's checks`
  if (opts.legacyIomapErrno === 'EIO') return {transport: 'legacy', why: `${accepted}, and a failed BAR 0 map would have been reported (-EIO)`}
  const bar0 = dev.bars[0]
  if (opts.legacyIomapErrno === 'ENOMEM' && bar0 && bar0.kind !== undefined && (bar0.size ?? 0) > 0 && (bar0.addr ?? 0) !== 0) {
    return {transport: 'legacy', why: `${accepted}, and BAR 0 is an assigned ${bar0.kind} resource that pci_iomap maps`}
  }
  return {why: `${accepted}; legacy, or modern after a failed BAR 0 map (-ENOMEM falls back silently)`}
}

/** Why the legacy probe may have returned -ENODEV without a word, or undefined if it cannot have. */
function legacySilentDecline(dev: DeviceEvidence, covered: boolean, opts: LogObserveOptions): string | undefined {
  const {device} = vendorDevice(dev)
  if (device === undefined) return 'device id unknown'
  if (device < VIRTIO_ID_FIRST || device > LEGACY_ID_LAST) return `device id 0x${device.toString(16)} is outside 0x1000..0x103f`
  const rev = dev.config.byte(0x08)
  if (rev) return rev.current.value === 0 ? undefined : `revision ${rev.current.value}`
  if (opts.legacyAbiMessage && covered && !opts.abiLinePrinted) return undefined
  return opts.legacyAbiMessage ? 'revision unknown' : 'revision unknown, and this kernel declines a revision other than 0 silently'
}

function legacyAccepts(dev: DeviceEvidence, _covered: boolean, _opts: LogObserveOptions): string {
  const {device, src} = vendorDevice(dev)
  const rev = dev.config.byte(0x08)
  const revision = rev ? `revision 0 (${formatSource(rev.current.src)})` : 'no "expected ABI version" line in a log that covers the probe'
  return `device id 0x${device!.toString(16)}${src ? ` (${src})` : ''}, ${revision}`
}
