/**
 * Typed parsers for the kernel lines probediff cares about, on message text whose printk prefix
 * is already gone. The evidence builder and the oracle use these instead of their own regexes.
 * Formats checked against Debian 5.10, 6.1 and 6.12 boots under QEMU 7.2.
 */
import {PCI_BASE_ADDRESS_0, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS1} from '../pci/layout.js'
import type {KernelMessageTag} from './records.js'
import {formatBdf, isPciAddress} from '../util/pci-address.js'

const BDF = '([0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])'

/** `<driver> 0000:00:03.0: ...`: dev_printk of a PCI device (pci, virtio-pci, ahci, ...). */
const DEV_PREFIX_RE = new RegExp(`^([\\w.-]+) ${BDF}: `)
/** drivers/base/dd.c up to 6.8: `virtio-pci: probe of 0000:00:03.0 failed with error -22` */
const PROBE_OF_RE = new RegExp(`^([\\w.-]+): probe of ${BDF} failed with error (-?\\d+)`)
/** drivers/base/dd.c from 6.12: `virtio-pci 0000:00:03.0: probe with driver virtio-pci failed with error -22` */
const PROBE_WITH_RE = /^probe with driver ([\w.-]+) failed with error (-?\d+)/

export interface DeviceNamed {
  /** The driver/bus name before the BDF (`pci`, `virtio-pci`). */
  readonly driver: string
  /** `0000:00:03.0`, lower case. */
  readonly bdf: string
  /** The rest of the line after `BDF: `. */
  readonly rest: string
}

/** Splits `pci 0000:00:03.0: rest` into its parts. */
export function parseDevicePrefix(text: string): DeviceNamed | undefined {
  const m = DEV_PREFIX_RE.exec(text)
  if (!m) return undefined
  return {driver: m[1]!, bdf: m[2]!.toLowerCase(), rest: text.slice(m[0].length)}
}

export interface ProbeFailure {
  readonly driver: string
  readonly bdf: string
  readonly error: number
  /** `probe-of` = pr_warn format up to 6.8; `probe-with-driver` = dev_err format from 6.12. */
  readonly style: 'probe-of' | 'probe-with-driver'
}

export function parseProbeFailure(text: string): ProbeFailure | undefined {
  const old = PROBE_OF_RE.exec(text)
  if (old) return {driver: old[1]!, bdf: old[2]!.toLowerCase(), error: Number(old[3]), style: 'probe-of'}
  const dev = parseDevicePrefix(text)
  if (!dev) return undefined
  const m = PROBE_WITH_RE.exec(dev.rest)
  return m ? {driver: m[1]!, bdf: dev.bdf, error: Number(m[2]), style: 'probe-with-driver'} : undefined
}

/**
 * A line printed on a virtio device (not the PCI function): dev_printk `virtio_blk virtio1: [vda] ...`,
 * netdev_printk `virtio_net virtio0 enp0s3: renamed from eth0` (driver, parent device, netdev name),
 * and the driver core's report of a failed virtio driver probe: `virtio_net: probe of virtio1 failed
 * with error -2` (pr_warn up to 6.8) or `virtio_net virtio1: probe with driver virtio_net failed with
 * error -2` (dev_err from 6.9). `virtioN` is the index register_virtio_device allocated (registration
 * order), not a PCI address.
 */
export interface VirtioDeviceLine {
  readonly driver: string
  readonly index: number
  /** The netdev name of a netdev_printk line. */
  readonly netdev?: string
  /** The text after `virtioN[ netdev]: `. */
  readonly rest: string
  /** Set on the driver core's report of a failed probe: the errno it printed (negative). */
  readonly probeError?: number
}

const VIRTIO_DEV_RE = /^([\w.-]+) virtio(\d+)(?: ([^\s:]+))?: (.*)$/
const VIRTIO_PROBE_OF_RE = /^([\w.-]+): probe of virtio(\d+) failed with error (-?\d+)$/

export function parseVirtioDeviceLine(text: string): VirtioDeviceLine | undefined {
  const old = VIRTIO_PROBE_OF_RE.exec(text)
  if (old) return {driver: old[1]!, index: Number(old[2]), rest: text.slice(old[1]!.length + 2), probeError: Number(old[3])}
  const m = VIRTIO_DEV_RE.exec(text)
  if (!m) return undefined
  const failed = PROBE_WITH_RE.exec(m[4]!)
  return {
    driver: m[1]!,
    index: Number(m[2]),
    ...(m[3] !== undefined ? {netdev: m[3]} : {}),
    rest: m[4]!,
    ...(failed ? {probeError: Number(failed[2])} : {}),
  }
}

/**
 * The PCI function a path-based predictable network interface name names (systemd's udev net_id
 * "path" scheme): `enp0s3` -> 0000:00:03.0, `enp1s0f1` -> 0000:01:00.1, `enP2p0s3` -> 0002:00:03.0;
 * bus, slot, function and domain in decimal, an optional `d<port>` suffix. Slot (`ens3`), onboard
 * (`eno1`) and MAC names do not name a PCI address and give undefined.
 */
export function bdfOfPathNetdevName(name: string): string | undefined {
  const m = /^en(?:P(\d+))?p(\d+)s(\d+)(?:f(\d+))?(?:d\d+)?$/.exec(name)
  if (!m) return undefined
  const [domain, bus, slot, fn] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3]), Number(m[4] ?? 0)]
  if (domain > 0xffff || !isPciAddress(bus, slot, fn)) return undefined
  return formatBdf({domain, bus, slot, func: fn})
}

export interface PciEnumLine {
  readonly bdf: string
  readonly vendor: number
  readonly device: number
  readonly headerType: number
  readonly classCode: number
  /** 6.6+ adds the port type, e.g. `conventional PCI endpoint`, `PCIe Root Port`, `PCIe Endpoint`. */
  readonly portType?: string
}

const ENUM_RE = /^\[([0-9a-f]{4}):([0-9a-f]{4})\] type ([0-9a-f]{2}) class 0x([0-9a-f]{6})(?: (.+))?$/

/** `pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000[ conventional PCI endpoint]` */
export function parsePciEnumLine(text: string): PciEnumLine | undefined {
  const dev = parseDevicePrefix(text)
  if (!dev || dev.driver !== 'pci') return undefined
  const m = ENUM_RE.exec(dev.rest)
  if (!m) return undefined
  const base = {
    bdf: dev.bdf,
    vendor: Number.parseInt(m[1]!, 16),
    device: Number.parseInt(m[2]!, 16),
    headerType: Number.parseInt(m[3]!, 16),
    classCode: Number.parseInt(m[4]!, 16),
  }
  return m[5] === undefined ? base : {...base, portType: m[5]}
}

export interface PciBarLine {
  readonly bdf: string
  /** 0..5 BARs, 6 expansion ROM. */
  readonly bar: number
  readonly kind: 'io' | 'mem'
  readonly start: number
  readonly end: number
  /** end - start + 1. */
  readonly size: number
  readonly is64: boolean
  readonly prefetchable: boolean
  /** `reg 0x10:` (up to 6.5), `BAR 0` (6.6+), `ROM` (6.6+ expansion ROM). */
  readonly style: 'reg' | 'bar'
  /** Text after the resource, e.g. `legacy IDE quirk`, `assigned`. */
  readonly note?: string
}

const RESOURCE = '\\[(io|mem) +0x([0-9a-f]+)(?:-0x([0-9a-f]+))?((?: [\\w-]+)*)\\]'
const REG_RE = new RegExp(`^reg 0x([0-9a-f]+): ${RESOURCE}(?:: (.+))?$`)
const BAR_RE = new RegExp(`^(?:BAR (\\d)|ROM) ${RESOURCE}(?:: (.+))?$`)
const ASSIGNED_OLD_RE = new RegExp(`^BAR (\\d+): assigned ${RESOURCE}$`)

/**
 * A BAR as enumerated: `reg 0x20: [mem 0xfebf0000-0xfebf3fff 64bit pref]` (old), `BAR 4 [mem ...]`,
 * `ROM [mem ...]` (new). Bridge windows and quirk claims are not BARs and give undefined.
 */
export function parsePciBarLine(text: string): PciBarLine | undefined {
  const dev = parseDevicePrefix(text)
  if (!dev || dev.driver !== 'pci') return undefined
  let m = REG_RE.exec(dev.rest)
  if (m) {
    const reg = Number.parseInt(m[1]!, 16)
    // The ROM register is PCI_ROM_ADDRESS on an endpoint, PCI_ROM_ADDRESS1 on a bridge.
    const bar = reg === PCI_ROM_ADDRESS || reg === PCI_ROM_ADDRESS1 ? 6 : reg >= PCI_BASE_ADDRESS_0 && reg <= 0x24 && reg % 4 === 0 ? (reg - PCI_BASE_ADDRESS_0) / 4 : undefined
    if (bar === undefined) return undefined
    return barLine(dev.bdf, bar, m.slice(2, 6), m[6], 'reg')
  }
  m = BAR_RE.exec(dev.rest)
  if (m) {
    const bar = m[1] === undefined ? 6 : Number(m[1])
    if (bar > 5 && m[1] !== undefined) return undefined
    return barLine(dev.bdf, bar, m.slice(2, 6), m[6], 'bar')
  }
  m = ASSIGNED_OLD_RE.exec(dev.rest)
  if (m) {
    const bar = Number(m[1])
    return bar <= 6 ? barLine(dev.bdf, bar, m.slice(2, 6), 'assigned', 'bar') : undefined
  }
  return undefined
}

function barLine(
  bdf: string,
  bar: number,
  [kind, start, end, flags]: (string | undefined)[],
  note: string | undefined,
  style: 'reg' | 'bar',
): PciBarLine {
  const s = Number.parseInt(start!, 16)
  const e = end === undefined ? s : Number.parseInt(end, 16)
  const words = (flags ?? '').trim().split(' ')
  const line = {
    bdf,
    bar,
    kind: kind as 'io' | 'mem',
    start: s,
    end: e,
    size: e - s + 1,
    is64: words.includes('64bit'),
    prefetchable: words.includes('pref'),
    style,
  }
  return note === undefined ? line : {...line, note}
}

/** `enabling device (0000 -> 0003)`: the command register before and after pci_enable_device. */
export function parseEnablingDevice(text: string): {bdf: string; from: number; to: number} | undefined {
  const dev = parseDevicePrefix(text)
  const m = dev && /^enabling device \(([0-9a-f]{4}) -> ([0-9a-f]{4})\)/.exec(dev.rest)
  return m ? {bdf: dev.bdf, from: Number.parseInt(m[1]!, 16), to: Number.parseInt(m[2]!, 16)} : undefined
}

export interface LinuxVersion {
  /** `6.1.0-28-amd64` */
  readonly release: string
  /** The whole banner. */
  readonly banner: string
}

export function parseLinuxVersion(text: string): LinuxVersion | undefined {
  const m = /^Linux version (\S+)/.exec(text)
  return m ? {release: m[1]!, banner: text} : undefined
}

/** `Command line: ...` (x86 early) or `Kernel command line: ...`. */
export function parseCommandLine(text: string): string | undefined {
  const m = /^(?:Kernel )?[Cc]ommand line: ?(.*)$/.exec(text)
  return m ? m[1]! : undefined
}

/** A host bridge's I/O window: CPU addresses [cpuStart, cpuEnd] reach PCI I/O addresses from busStart. */
export interface HostBridgeIoWindow {
  /** The host bridge's platform device, e.g. `4010000000.pcie`. */
  readonly bridge: string
  readonly cpuStart: number
  readonly cpuEnd: number
  readonly busStart: number
}

/**
 * The I/O line of a device-tree host bridge's ranges (drivers/pci/of.c prints each range as
 * `%6s %#012llx..%#012llx -> %#012llx`: type, CPU start, CPU end, PCI start; before 5.5 `%s` with
 * " IO" and %#010llx, which matches too):
 * `pci-host-generic 4010000000.pcie:       IO 0x003eff0000..0x003effffff -> 0x0000000000`.
 */
export function parseHostBridgeIoWindow(text: string): HostBridgeIoWindow | undefined {
  const m = /^\S+ (\S+): +IO (0x[0-9a-f]+)\.\.(0x[0-9a-f]+) -> (0x[0-9a-f]+)$/.exec(text.trimEnd())
  if (!m) return undefined
  const [cpuStart, cpuEnd, busStart] = [m[2]!, m[3]!, m[4]!].map((h) => Number.parseInt(h, 16)) as [number, number, number]
  if (cpuEnd < cpuStart || !Number.isSafeInteger(cpuEnd) || !Number.isSafeInteger(busStart + (cpuEnd - cpuStart))) return undefined
  return {bridge: m[1]!, cpuStart, cpuEnd, busStart}
}

/** The virtio-pci transport messages (reference: linux-virtio-pci-probe.md), with their numbers. */
export type VirtioPciMessage =
  | {kind: 'leaving-for-legacy'}
  | {kind: 'missing-capabilities'; common: number; isr: number; notify: number}
  | {kind: 'dma-mask-failed'}
  | {kind: 'bar-changed'; bar: number}
  | {kind: 'bad-cap-len'; length: number; expected: number; strict: boolean}
  | {kind: 'map-wrap-around'; start: number; offset: number}
  | {kind: 'offset-not-aligned'; offset: number; align: number}
  | {kind: 'map-out-of-range'; minlen: number; offset: number; bar: number; barLength: number}
  | {kind: 'unable-to-map'; length: number; offset: number; bar: number}
  | {kind: 'abi-version'; expected: number; got: number}
  | {kind: 'bad-queue-size'; size: number}
  | {kind: 'bad-notify-offset'; offset: number; multiplier: number; queue: number; length: number}
  | {kind: 'legacy-ram-above'; limitGb: number}
  | {kind: 'no-version-1'}
  | {kind: 'common-cfg-size'; size: number; feature: string}

type Builder = (m: RegExpExecArray) => VirtioPciMessage
const n = (s: string | undefined) => Number(s)

/** Matched against the text after `virtio_pci: ` (or after the device prefix for dev_* messages). */
const VIRTIO_PCI_PATTERNS: ReadonlyArray<readonly [RegExp, Builder]> = [
  [/^leaving for legacy driver$/, () => ({kind: 'leaving-for-legacy'})],
  [/^missing capabilities (\d+)\/(\d+)\/(\d+)$/, (m) => ({kind: 'missing-capabilities', common: n(m[1]), isr: n(m[2]), notify: n(m[3])})],
  [/^bar unexpectedly changed to (\d+)$/, (m) => ({kind: 'bar-changed', bar: n(m[1])})],
  [/^bad capability len (\d+) \((>=?)(\d+) expected\)$/, (m) => ({kind: 'bad-cap-len', length: n(m[1]), expected: n(m[3]), strict: m[2] === '>'})],
  [/^map wrap-around (\d+)\+(\d+)$/, (m) => ({kind: 'map-wrap-around', start: n(m[1]), offset: n(m[2])})],
  [/^offset (\d+) not aligned to (\d+)$/, (m) => ({kind: 'offset-not-aligned', offset: n(m[1]), align: n(m[2])})],
  [
    /^map virtio (\d+)@(\d+) out of range on bar (-?\d+) length (\d+)$/,
    (m) => ({kind: 'map-out-of-range', minlen: n(m[1]), offset: n(m[2]), bar: n(m[3]), barLength: n(m[4])}),
  ],
  [/^unable to map virtio (\d+)@(\d+) on bar (-?\d+)$/, (m) => ({kind: 'unable-to-map', length: n(m[1]), offset: n(m[2]), bar: n(m[3])})],
  [/^expected ABI version (-?\d+), got (-?\d+)$/, (m) => ({kind: 'abi-version', expected: n(m[1]), got: n(m[2])})],
]

/** dev_warn/dev_err of the transport printed without the `virtio_pci: ` module prefix. */
const VIRTIO_PCI_DEV_PATTERNS: ReadonlyArray<readonly [RegExp, Builder]> = [
  [/^Failed to enable 64-bit or 32-bit DMA\./, () => ({kind: 'dma-mask-failed'})],
  [/^bad queue size (\d+)$/, (m) => ({kind: 'bad-queue-size', size: n(m[1])})],
  [
    /^bad notification offset (\d+) \(x (\d+)\) for queue (\d+) > (-?\d+)$/,
    (m) => ({kind: 'bad-notify-offset', offset: n(m[1]), multiplier: n(m[2]), queue: n(m[3]), length: n(m[4])}),
  ],
  [/^platform bug: legacy virtio-(?:pci|mmio) must not be used with RAM above 0x([0-9a-f]+)GB$/, (m) => ({kind: 'legacy-ram-above', limitGb: Number.parseInt(m[1]!, 16)})],
]

/** Messages printed on the virtio device (`virtio_net virtio0: virtio: ...`). */
const VIRTIO_DEV_PATTERNS: ReadonlyArray<readonly [RegExp, Builder]> = [
  [/^virtio: device uses modern interface but does not have VIRTIO_F_VERSION_1$/, () => ({kind: 'no-version-1'})],
  [/^virtio: common cfg size\((\d+)\) does not match the feature (\S+)$/, (m) => ({kind: 'common-cfg-size', size: n(m[1]), feature: m[2]!})],
]

function firstMatch(text: string, patterns: ReadonlyArray<readonly [RegExp, Builder]>): VirtioPciMessage | undefined {
  for (const [re, build] of patterns) {
    const m = re.exec(text)
    if (m) return build(m)
  }
  return undefined
}

/**
 * Recognises a virtio-pci message: `virtio-pci 0000:00:03.0: virtio_pci: leaving for legacy driver`,
 * the unprefixed `virtio_pci: expected ABI version 0, got 1` (printk up to 5.16), the device-level
 * dev_warns, and `<drv> virtioN: virtio: ...`.
 */
export function parseVirtioPciMessage(text: string): (VirtioPciMessage & {bdf?: string}) | undefined {
  const dev = parseDevicePrefix(text)
  let body = dev ? dev.rest : text
  const bdf = dev?.bdf
  if (body.startsWith('virtio_pci: ')) {
    body = body.slice('virtio_pci: '.length)
    const m = firstMatch(body, VIRTIO_PCI_PATTERNS)
    return m && (bdf ? {...m, bdf} : m)
  }
  if (dev) {
    const m = firstMatch(body, VIRTIO_PCI_DEV_PATTERNS)
    if (m) return {...m, bdf: dev.bdf}
  }
  const vdev = /^[\w.-]+ virtio\d+: (.*)$/.exec(text)
  return vdev ? firstMatch(vdev[1]!, VIRTIO_DEV_PATTERNS) : undefined
}

export interface KernelTextInfo {
  readonly bdf?: string
  readonly tag?: KernelMessageTag
}

/** The BDF a line is about and what kind of line it is. Cheap checks first: most lines are neither. */
export function classifyKernelText(text: string): KernelTextInfo {
  if (text.startsWith('Linux version ')) return {tag: 'linux-version'}
  if (parseCommandLine(text) !== undefined) return {tag: 'cmdline'}
  const failure = parseProbeFailure(text)
  if (failure) return {bdf: failure.bdf, tag: 'probe-failed'}
  const dev = parseDevicePrefix(text)
  if (dev) {
    if (parsePciEnumLine(text)) return {bdf: dev.bdf, tag: 'pci-enum'}
    const bar = parsePciBarLine(text)
    if (bar) {
      const tag = bar.note === 'assigned' ? 'pci-bar-assign' : bar.note?.includes("can't") ? 'pci-bar-conflict' : 'pci-bar'
      return {bdf: dev.bdf, tag}
    }
    if (/^BAR \d+ \[[^\]]*\]: assigned$/.test(dev.rest)) return {bdf: dev.bdf, tag: 'pci-bar-assign'}
    if (/^BAR \d+:? .*can't (?:reserve|assign)|: can't claim/.test(dev.rest)) return {bdf: dev.bdf, tag: 'pci-bar-conflict'}
    if (parseEnablingDevice(text)) return {bdf: dev.bdf, tag: 'pci-enable'}
    if (dev.driver === 'virtio-pci' || parseVirtioPciMessage(text)) return {bdf: dev.bdf, tag: 'virtio-pci'}
    return {bdf: dev.bdf}
  }
  const virtio = parseVirtioPciMessage(text)
  if (virtio) return {tag: virtio.kind === 'no-version-1' || virtio.kind === 'common-cfg-size' ? 'virtio' : 'virtio-pci'}
  return {}
}
