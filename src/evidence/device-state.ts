/**
 * Everything gathered about one PCI function while records stream in; bounded in size (capped lists
 * with counts of what was left out), turned into a DeviceEvidence at the end.
 */
import type {KernelDriverRecord, KernelMessageRecord, LspciUnplacedBarsRecord} from '../ingest/records.js'
import type {WarningSink} from '../util/errors.js'
import {formatBdf, type PciAddress} from '../util/pci-address.js'
import {BarTracker} from './bars.js'
import {ConfigImage, headerTypeOf, type DecodeConflictHandler, type ReadOnlyConflictHandler} from './config-image.js'
import type {DeviceEvidence, RegionAccess, RegionSummary, StatusChange, VirtioRegion} from './types.js'

/** Region accesses kept per device; the rest are only counted (in the summary and `omitted`). */
export const REGION_ACCESS_CAP = 4096
/** Kernel messages kept per device. */
export const DEVICE_MESSAGE_CAP = 1000

const STATUS_ACKNOWLEDGE = 1
const STATUS_DRIVER_OK = 4

export interface SequencedStatus extends StatusChange {
  readonly seq: number
}

export class DeviceState {
  readonly bdf: string
  qemuDevice?: string
  readonly image: ConfigImage
  readonly bars = new BarTracker()
  traced = false
  readonly cfgReadWidths = {exact: 0, inferred: 0}
  private readonly accesses: RegionAccess[] = []
  private omittedAccesses = 0
  private readonly summary = new Map<VirtioRegion, RegionSummary>()
  private readonly statuses: SequencedStatus[] = []
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

  addRegionAccess(access: RegionAccess): void {
    const summary = this.summary.get(access.region)
    if (summary) {
      if (access.op === 'read') summary.reads++
      else summary.writes++
    } else {
      this.summary.set(access.region, {region: access.region, reads: access.op === 'read' ? 1 : 0, writes: access.op === 'write' ? 1 : 0, first: access.src})
    }
    if (this.accesses.length < REGION_ACCESS_CAP) this.accesses.push(access)
    else this.omittedAccesses++
  }

  /** Status changes may arrive late (buffered until the vdev was tied), so keep them in input order. */
  addStatus(change: SequencedStatus): void {
    const statuses = this.statuses
    let at = statuses.length
    while (at > 0 && statuses[at - 1]!.seq > change.seq) at--
    statuses.splice(at, 0, change)
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
    const headerTypeValue = headerTypeOf(this.image)
    const rom = this.bars.romEvidence(warnings, this.bdf, headerTypeValue)
    const evidence: DeviceEvidence = {
      address: this.address,
      bdf: this.bdf,
      ...(this.qemuDevice !== undefined ? {qemuDevice: this.qemuDevice} : {}),
      config: this.image,
      bars: this.bars.evidence(warnings, this.bdf, headerTypeValue),
      regionAccesses: this.accesses,
      regionSummary: [...this.summary.values()],
      status,
      acknowledged: status.some((s) => (s.val & STATUS_ACKNOWLEDGE) !== 0),
      driverOk: status.some((s) => (s.val & STATUS_DRIVER_OK) !== 0),
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
