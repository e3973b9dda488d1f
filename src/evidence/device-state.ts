/**
 * Everything gathered about one PCI function while records stream in; bounded in size (capped lists
 * with counts of what was left out), turned into a DeviceEvidence at the end.
 *
 * A long trace (many boots, or captures concatenated) repeats the same status changes and region
 * accesses at every boot. What the outcome reads of them is the kernel's last registration (reset
 * then ACKNOWLEDGE, see registration.ts) and what follows it, so once a list is full the changes or
 * accesses before that registration make room (the first status changes stay, as the start of the
 * story); what is left out is counted and shown.
 */
import type {KernelDriverRecord, KernelMessageRecord, LspciUnplacedBarsRecord} from '../ingest/records.js'
import type {WarningSink} from '../util/errors.js'
import {VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER_OK} from '../pci/layout.js'
import {formatBdf, type PciAddress} from '../util/pci-address.js'
import {AccessLog} from './access-log.js'
import {BarTracker} from './bars.js'
import {ConfigImage, headerTypeOf, type DecodeConflictHandler, type ReadOnlyConflictHandler} from './config-image.js'
import {kernelRegistration} from './registration.js'
import type {DeviceEvidence, RegionAccess, RegionSummary, StatusChange, StatusGap, VirtioRegion} from './types.js'

/** Region accesses kept per device (all of them while they fit; then those from the kernel's last
 * registration on); the rest are only counted (in the summary and `omitted`). */
export const REGION_ACCESS_CAP = 4096
/** Status changes kept per device: all of them while they fit; then the first STATUS_HEAD and those
 * from the kernel's last registration on. One boot of six devices makes 20-30 per device. */
export const STATUS_CAP = 256
export const STATUS_HEAD = 32
/** Room beyond a full list for a reset after the last registration and what follows it (vp_reset's
 * status reads, the ACKNOWLEDGE write), so that a new registration is kept whole. */
export const RESET_SLACK = 64
/** Kernel messages kept per device. */
export const DEVICE_MESSAGE_CAP = 1000


export interface SequencedStatus extends StatusChange {
  readonly seq: number
}

/** Status changes left out before `statuses[before]`: how many, and the first and last of them. */
interface StatusSpan {
  before: number
  count: number
  firstSeq: number
  lastSeq: number
}

export class DeviceState {
  readonly bdf: string
  qemuDevice?: string
  readonly image: ConfigImage
  readonly bars = new BarTracker()
  traced = false
  readonly cfgReadWidths = {exact: 0, inferred: 0}
  private readonly accesses = new AccessLog(REGION_ACCESS_CAP + RESET_SLACK)
  private omittedAccesses = 0
  private readonly summary = new Map<VirtioRegion, RegionSummary>()
  private readonly statuses: SequencedStatus[] = []
  /** Where status changes were left out, by index into `statuses`, in order. */
  private statusGaps: StatusSpan[] = []
  private acknowledged = false
  private driverOk = false
  /** seq of the last registration's reset, and of a later reset, in the kept statuses (undefined: none). */
  private registrationSeq: number | undefined
  private laterResetSeq: number | undefined
  private readonly messages: KernelMessageRecord[] = []
  private omittedMessages = 0
  kernelDriver?: NonNullable<KernelDriverRecord['driver']>
  kernelModules?: NonNullable<KernelDriverRecord['modules']>
  /** lspci -v BAR lines waiting for a dump of the BAR registers to be placed (see EvidenceBuilder). */
  unplacedBars?: LspciUnplacedBarsRecord

  constructor(
    readonly address: PciAddress,
    onReadOnlyConflict: ReadOnlyConflictHandler,
    onDecodeConflict?: DecodeConflictHandler,
  ) {
    this.bdf = formatBdf(address)
    this.image = new ConfigImage(onReadOnlyConflict, onDecodeConflict)
  }

  /** `seq`: the access's place in the input (the record's sequence number). */
  addRegionAccess(access: RegionAccess, seq: number): void {
    const summary = this.summary.get(access.region)
    if (summary) {
      if (access.op === 'read') summary.reads++
      else summary.writes++
    } else {
      this.summary.set(access.region, {region: access.region, reads: access.op === 'read' ? 1 : 0, writes: access.op === 'write' ? 1 : 0, first: access.src})
    }
    if (this.accesses.length >= REGION_ACCESS_CAP) this.dropAccessesBeforeRegistration()
    // Every status change kept came before this access (one arrives at or after its record, an access
    // at its own), so a reset after the registration is one before this access.
    const afterReset = this.laterResetSeq !== undefined
    if (this.accesses.length < REGION_ACCESS_CAP || (afterReset && this.accesses.length < REGION_ACCESS_CAP + RESET_SLACK)) {
      this.accesses.push(access, seq)
    } else this.omittedAccesses++
  }

  /** Status changes may arrive late (buffered until the vdev was tied), so keep them in input order. */
  addStatus(change: SequencedStatus): void {
    if ((change.val & VIRTIO_CONFIG_S_ACKNOWLEDGE) !== 0) this.acknowledged = true
    if ((change.val & VIRTIO_CONFIG_S_DRIVER_OK) !== 0) this.driverOk = true
    const statuses = this.statuses
    let at = statuses.length
    while (at > 0 && statuses[at - 1]!.seq > change.seq) at--
    // A late change from inside a stretch already left out goes with it: which part of the stretch
    // came before it is not kept.
    const gap = this.statusGaps.find((g) => g.before === at)
    if (gap && gap.firstSeq < change.seq && change.seq < gap.lastSeq) {
      gap.count++
      return
    }
    statuses.splice(at, 0, change)
    // The gap where it goes stays before it unless what it left out came later.
    for (const g of this.statusGaps) if (g.before > at || (g === gap && change.seq < g.firstSeq)) g.before++
    if (statuses.length > STATUS_CAP) this.boundStatuses(at)
    this.findRegistration()
  }

  /** A full status list: the changes between the first STATUS_HEAD and the last registration go; past
   * the cap (and its slack, after a reset), the change just added is only counted. */
  private boundStatuses(added: number): void {
    const statuses = this.statuses
    const reg = kernelRegistration(statuses)
    if (reg > STATUS_HEAD) {
      const dropped = reg - STATUS_HEAD
      const left = statuses.splice(STATUS_HEAD, dropped)
      const span: StatusSpan = {before: STATUS_HEAD, count: dropped, firstSeq: left[0]!.seq, lastSeq: left[dropped - 1]!.seq}
      const gaps = [span]
      for (const gap of this.statusGaps) {
        if (gap.before < STATUS_HEAD) gaps.push(gap)
        else if (gap.before <= reg) widen(span, gap.count, gap.firstSeq, gap.lastSeq)
        else gaps.push({...gap, before: gap.before - dropped})
      }
      this.statusGaps = gaps.sort((a, b) => a.before - b.before)
      return
    }
    // The slack is for a reset after the registration and what follows it, not for more of the same.
    const change = statuses[added]!
    const reset = change.val === 0 && change.cause !== 'command-write'
    const afterReset = this.laterResetSeq !== undefined && change.seq > this.laterResetSeq
    if (statuses.length <= (reset || afterReset ? STATUS_CAP + RESET_SLACK : STATUS_CAP)) return
    statuses.splice(added, 1)
    for (const gap of this.statusGaps) if (gap.before > added) gap.before--
    const same = this.statusGaps.find((g) => g.before === added)
    if (same) widen(same, 1, change.seq, change.seq)
    else this.statusGaps = [...this.statusGaps, {before: added, count: 1, firstSeq: change.seq, lastSeq: change.seq}].sort((a, b) => a.before - b.before)
  }

  /** The last registration in the kept statuses, and a reset after it (a registration may be starting). */
  private findRegistration(): void {
    const statuses = this.statuses
    const reg = kernelRegistration(statuses)
    this.registrationSeq = reg < 0 ? undefined : statuses[reg]!.seq
    this.laterResetSeq = undefined
    for (let i = statuses.length - 1; i > reg; i--) {
      const s = statuses[i]!
      if (s.val === 0 && s.cause !== 'command-write') {
        this.laterResetSeq = s.seq
        break
      }
    }
  }

  /** A full access list: those before the last registration's reset go (the outcome reads from it on). */
  private dropAccessesBeforeRegistration(): void {
    const from = this.registrationSeq
    if (from === undefined) return
    let n = 0
    while (n < this.accesses.length && this.accesses.seqAt(n) < from) n++
    if (n === 0) return
    this.accesses.dropFirst(n)
    this.omittedAccesses += n
  }

  addMessage(message: KernelMessageRecord): void {
    if (this.messages.length < DEVICE_MESSAGE_CAP) this.messages.push(message)
    else this.omittedMessages++
  }

  /** `memoryEventsTraced`: without memory events, 'qemu' (no guest access seen) means "cannot tell". */
  toEvidence(warnings: WarningSink, memoryEventsTraced: boolean): DeviceEvidence {
    if (this.omittedMessages > 0) {
      warnings.warn('device-messages-capped', `${this.bdf}: kept the first ${DEVICE_MESSAGE_CAP} kernel messages, ${this.omittedMessages} more not kept`)
    }
    const status: StatusChange[] = this.statuses.map(({seq: _seq, cause, ...change}) =>
      cause === 'qemu' && !memoryEventsTraced ? change : {...change, cause},
    )
    const gaps: StatusGap[] = this.statusGaps.map((g) => ({before: g.before, count: g.count}))
    const headerTypeValue = headerTypeOf(this.image)
    const rom = this.bars.romEvidence(warnings, this.bdf, headerTypeValue)
    const log = this.accesses
    let regionAccesses: RegionAccess[] | undefined
    const evidence: DeviceEvidence = {
      address: this.address,
      bdf: this.bdf,
      ...(this.qemuDevice !== undefined ? {qemuDevice: this.qemuDevice} : {}),
      config: this.image,
      bars: this.bars.evidence(warnings, this.bdf, headerTypeValue),
      // Made on first use: ingest's report never reads them, the outcome does.
      get regionAccesses() {
        return (regionAccesses ??= log.toAccesses())
      },
      regionSummary: [...this.summary.values()],
      status,
      ...(gaps.length > 0 ? {statusOmitted: gaps} : {}),
      acknowledged: this.acknowledged,
      driverOk: this.driverOk,
      messages: this.messages,
      traced: this.traced,
      ...(this.omittedAccesses > 0 ? {omittedRegionAccesses: this.omittedAccesses} : {}),
      ...(this.traced ? {cfgReadWidths: {...this.cfgReadWidths}} : {}),
      ...(this.kernelDriver ? {kernelDriver: this.kernelDriver} : {}),
      ...(this.kernelModules ? {kernelModules: this.kernelModules} : {}),
      ...(rom ? {expansionRom: rom} : {}),
    }
    return evidence
  }
}

/** Adds `count` changes, from `firstSeq` to `lastSeq`, to a stretch left out. */
function widen(span: StatusSpan, count: number, firstSeq: number, lastSeq: number): void {
  span.count += count
  span.firstSeq = Math.min(span.firstSeq, firstSeq)
  span.lastSeq = Math.max(span.lastSeq, lastSeq)
}
