/**
 * Virtio 1.x rules ("Virtio Structure PCI Capabilities" and "PCI Device IDs" / "PCI Device
 * Discovery") that Linux does not enforce, checked on the config space as it is. Reported apart from
 * the Linux outcome: a device can probe fine under Linux and still break a stricter driver.
 * Bytes the evidence lacks (or only infers) are not guessed: the lint that needs them is not
 * evaluated, and one `not-evaluated` entry lists the offsets.
 */
import {CapabilityWalk} from '../pci/capabilities.js'
import {PCI_CAP_ID_VNDR, PCI_STD_NUM_BARS, VIRTIO_PCI_CAP_BAR, VIRTIO_PCI_CAP_CFG_TYPE, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_CAP_LENGTH, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_CAP_PCI_CFG, VIRTIO_PCI_CAP_SHARED_MEMORY_CFG, VIRTIO_PCI_CAP_VENDOR_CFG, VIRTIO_PCI_NOTIFY_CAP_MULT} from '../pci/layout.js'
import type {SpecLint} from './types.js'
import type {ConfigSpaceReader, ProbeInput} from './input.js'
import {hex} from '../util/hex.js'
import {TRANSITIONAL_DEVICE_IDS} from './virtio-ids.js'

const DEFINED_CFG_TYPES = new Set([
  VIRTIO_PCI_CAP_COMMON_CFG,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  VIRTIO_PCI_CAP_ISR_CFG,
  VIRTIO_PCI_CAP_DEVICE_CFG,
  VIRTIO_PCI_CAP_PCI_CFG,
  VIRTIO_PCI_CAP_SHARED_MEMORY_CFG,
  VIRTIO_PCI_CAP_VENDOR_CFG,
])

/** Minimum cap_len per cfg_type: struct virtio_pci_cap (16), notify and PCI_CFG caps (20), cap64 (24). */
const MIN_CAP_LEN: Readonly<Record<number, number>> = {
  [VIRTIO_PCI_CAP_NOTIFY_CFG]: 20,
  [VIRTIO_PCI_CAP_PCI_CFG]: 20,
  [VIRTIO_PCI_CAP_SHARED_MEMORY_CFG]: 24,
}

class Unknown extends Error {
  constructor(readonly offsets: readonly number[]) {
    super('unknown bytes')
  }
}

class LintReader {
  readonly missing = new Set<number>()
  constructor(private readonly config: ConfigSpaceReader) {}
  /** A lint accuses the device, so it rests on seen bytes only: an inferred byte counts as unknown. */
  read(offset: number, width: 1 | 2 | 4): number {
    const r = this.config.read(offset, width)
    if (r.known && !r.inferred) return r.value
    const offsets = r.known ? Array.from({length: width}, (_, i) => offset + i) : r.missing
    for (const o of offsets) this.missing.add(o)
    throw new Unknown(offsets)
  }
  /** Runs one lint; unknown bytes just skip it. */
  attempt(fn: () => void): void {
    try {
      fn()
    } catch (e) {
      if (!(e instanceof Unknown)) throw e
    }
  }
}

interface VendorCap {
  readonly pos: number
  readonly cfgType: number
  readonly bar: number
}

/** Every vendor capability in list order, into `caps` (the plain walk; an unknown byte ends it). */
function vendorCaps(r: LintReader, caps: VendorCap[]): void {
  // Lints read only the bytes they need (not the kernel's widths): fewer inferred bytes get in the way.
  for (const {offset: at, id} of new CapabilityWalk((o) => r.read(o, 1), {requireCapList: true, stopAtInvalidId: true})) {
    if (id === PCI_CAP_ID_VNDR) r.attempt(() => caps.push({pos: at, cfgType: r.read(at + VIRTIO_PCI_CAP_CFG_TYPE, 1), bar: r.read(at + VIRTIO_PCI_CAP_BAR, 1)}))
  }
}

export function specLints(input: ProbeInput): SpecLint[] {
  const r = new LintReader(input.config)
  const lints: SpecLint[] = []
  const add = (l: SpecLint) => lints.push(l)
  const caps: VendorCap[] = []
  r.attempt(() => vendorCaps(r, caps))
  r.attempt(() => idLints(r, input, add))
  for (const cap of caps) capLints(r, input, cap, add)
  const types = new Set(caps.map((c) => c.cfgType))
  const modern = types.has(VIRTIO_PCI_CAP_COMMON_CFG) || types.has(VIRTIO_PCI_CAP_NOTIFY_CFG) || types.has(VIRTIO_PCI_CAP_ISR_CFG)
  if (modern && !types.has(VIRTIO_PCI_CAP_PCI_CFG)) {
    add({
      code: 'no-pci-cfg-cap',
      severity: 'error',
      rule: 'the device MUST present at least one VIRTIO_PCI_CAP_PCI_CFG capability',
      detail: 'modern capabilities present, none of cfg_type 5',
      linux: 'not checked: Linux never uses the PCI configuration access capability',
    })
  }
  if (modern && !types.has(VIRTIO_PCI_CAP_COMMON_CFG)) {
    add({
      code: 'no-common-cap',
      severity: 'error',
      rule: 'the device MUST present at least one common configuration capability',
      detail: 'isr or notify capabilities present without a common one',
      linux: 'not an error: "leaving for legacy driver" and the legacy probe is tried',
    })
  }
  if (r.missing.size > 0) {
    const offsets = [...r.missing].sort((a, b) => a - b).map(hex)
    add({
      code: 'not-evaluated',
      severity: 'info',
      rule: 'lints need the bytes they check',
      detail: `some lints were not evaluated: config bytes unknown or only inferred at ${offsets.join(', ')}`,
      linux: 'n/a',
    })
  }
  return lints
}

function idLints(r: LintReader, input: ProbeInput, add: (l: SpecLint) => void): void {
  if (r.read(0x00, 2) !== 0x1af4) return
  const device = r.read(0x02, 2)
  if (device < 0x1000 || device > 0x107f) return
  const revision = r.read(0x08, 1)
  if (device >= 0x1040) {
    if (revision === 0) {
      add({
        code: 'non-transitional-revision',
        severity: 'warning',
        rule: 'non-transitional devices SHOULD have a PCI Revision ID of 1 or higher',
        detail: `device ${hex(device)} revision 0`,
        linux: 'not checked',
      })
    }
    r.attempt(() => {
      const subsystem = r.read(0x2e, 2)
      if (subsystem < 0x40) {
        add({
          code: 'non-transitional-subsystem',
          severity: 'warning',
          rule: 'non-transitional devices SHOULD have a PCI Subsystem Device ID of 0x40 or higher',
          detail: `subsystem device id ${hex(subsystem)}`,
          linux: 'not checked: the virtio id comes from the device id',
        })
      }
    })
    return
  }
  if (revision !== 0) {
    add({
      code: 'transitional-revision',
      severity: 'error',
      rule: 'transitional devices MUST have a PCI Revision ID of 0 (and drivers MUST match any revision)',
      detail: `device ${hex(device)} revision ${revision}`,
      linux: 'the modern probe ignores the revision; the legacy probe rejects any revision but 0',
    })
  }
  const specId = TRANSITIONAL_DEVICE_IDS[device]
  if (specId === undefined) {
    add({
      code: 'transitional-device-id',
      severity: 'warning',
      rule: 'transitional devices use the device ids of the spec table (0x1000..0x1005, 0x1009)',
      detail: `device ${hex(device)} is not in the table`,
      linux: 'accepted: any 0x1000..0x103f, type taken from the subsystem device id',
    })
  }
  r.attempt(() => {
    const subsystem = r.read(0x2e, 2)
    if (specId !== undefined && subsystem !== specId) {
      add({
        code: 'transitional-subsystem',
        severity: 'error',
        rule: 'transitional devices MUST have the PCI Subsystem Device ID matching the Virtio Device ID',
        detail: `device ${hex(device)} means virtio id ${specId}, subsystem device id is ${subsystem}`,
        linux: 'the subsystem device id wins: Linux takes the type from it',
      })
    }
  })
  const bar0 = input.resources[0]
  if (bar0?.type !== undefined && bar0.len !== undefined && (bar0.type !== 'io' || bar0.len === 0)) {
    add({
      code: 'legacy-bar0-not-io',
      severity: 'error',
      rule: 'transitional devices MUST expose the legacy interface in I/O space in BAR0',
      detail: bar0.len === 0 ? 'BAR 0 is empty' : `BAR 0 is ${bar0.type}`,
      linux: 'not checked: the legacy probe maps BAR 0 whatever it is (and fails only if it cannot map it)',
    })
  }
}

function capLints(r: LintReader, input: ProbeInput, cap: VendorCap, add: (l: SpecLint) => void): void {
  const at = hex(cap.pos)
  if (!DEFINED_CFG_TYPES.has(cap.cfgType)) {
    add({
      code: 'reserved-cfg-type',
      severity: 'info',
      rule: 'the driver MUST ignore a vendor capability with a reserved cfg_type',
      capOffset: at,
      detail: `cfg_type ${cap.cfgType}`,
      linux: 'ignored implicitly (never matches a lookup)',
    })
    return
  }
  r.attempt(() => {
    const capLen = r.read(cap.pos + 2, 1)
    const min = MIN_CAP_LEN[cap.cfgType] ?? 16
    if (capLen < min) {
      add({
        code: 'cap-len-short',
        severity: 'error',
        rule: `cap_len covers the whole capability structure (at least ${min} bytes for cfg_type ${cap.cfgType})`,
        capOffset: at,
        detail: `cap_len ${capLen}`,
        linux: 'not checked: Linux never reads cap_len (it reads offset, length and the multiplier regardless)',
      })
    }
  })
  if (cap.bar >= PCI_STD_NUM_BARS && cap.cfgType !== VIRTIO_PCI_CAP_VENDOR_CFG) {
    add({
      code: 'reserved-bar',
      severity: 'warning',
      rule: 'bar values above 5 are reserved',
      capOffset: at,
      detail: `bar ${cap.bar}`,
      linux: 'capability skipped',
    })
  }
  if (cap.cfgType === VIRTIO_PCI_CAP_NOTIFY_CFG) {
    r.attempt(() => {
      const mult = r.read(cap.pos + VIRTIO_PCI_NOTIFY_CAP_MULT, 4)
      const evenPowerOf2 = mult >= 2 && (mult & (mult - 1)) === 0
      if (mult !== 0 && !evenPowerOf2) {
        add({
          code: 'notify-multiplier',
          severity: 'error',
          rule: 'notify_off_multiplier MUST be 0 or an even power of 2',
          capOffset: at,
          detail: `notify_off_multiplier ${mult}`,
          linux: 'not checked: used as is to compute queue notify addresses',
        })
      }
    })
  }
  if (cap.cfgType > VIRTIO_PCI_CAP_DEVICE_CFG || cap.bar >= PCI_STD_NUM_BARS) return
  const res = input.resources[cap.bar]
  if (res?.len === undefined) return
  if (res.len === 0) {
    add({
      code: 'cap-on-empty-bar',
      severity: 'warning',
      rule: 'the bar field names a BAR of the function',
      capOffset: at,
      detail: `BAR ${cap.bar} has no length (unimplemented, or the upper half of a 64-bit BAR)`,
      linux: 'capability skipped; a later one of the same type may be used',
    })
    return
  }
  r.attempt(() => {
    const offset = r.read(cap.pos + VIRTIO_PCI_CAP_OFFSET, 4)
    const length = r.read(cap.pos + VIRTIO_PCI_CAP_LENGTH, 4)
    if (offset + length > res.len!) {
      add({
        code: 'structure-exceeds-bar',
        severity: 'error',
        rule: 'the structure (offset, length) lies within its BAR',
        capOffset: at,
        detail: `${hex(offset)} + ${hex(length)} > BAR ${cap.bar} length ${hex(res.len!)}`,
        linux: 'only offset + minlen is checked; the mapping is clipped silently at the BAR end',
      })
    }
  })
}
