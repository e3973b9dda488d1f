/**
 * vp_modern_map_capability (map_capability up to 5.11): map part of the structure a virtio capability
 * describes. It reads bar (byte at cap+4), offset (dword at cap+8) and length (dword at cap+12), then
 * applies these checks in this order, each ending the map with a dev_err and NULL:
 *  0. (5.19+) bar >= PCI_STD_NUM_BARS || !(modern_bars & 1 << bar)  "bar unexpectedly changed to %u"
 *  1. length <= start                                  "bad capability len %u (>%u expected)"
 *  2. length - start < minlen                          "bad capability len %u (>=%zu expected)" (raw length)
 *  3. (length -= start) start + offset wraps in u32    "map wrap-around %u+%u"
 *  4. (offset += start) offset & (align - 1)           "offset %u not aligned to %u"
 *  5. length = min(length, size); *len = length
 *  6. minlen + offset > pci_resource_len(bar)          "map virtio %zu@%u out of range on bar %i length %lu"
 *  7. pci_iomap_range(bar, offset, length) is NULL     "unable to map virtio %u@%u on bar %i"
 * Only minlen is tested against the BAR: a longer structure is clipped silently by the iomap.
 */
import {PCI_STD_NUM_BARS, VIRTIO_PCI_CAP_BAR, VIRTIO_PCI_CAP_LENGTH, VIRTIO_PCI_CAP_OFFSET} from '../pci/layout.js'
import type {CheckFacts, MapStruct, MappingResult} from './types.js'
import {type ModernBars} from './find-capability.js'
import {iomapFailureText, pciIomapRange} from './pci-iomap.js'
import type {KernelProfile} from './profiles.js'
import type {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'

export interface MapRequest {
  readonly struct: MapStruct
  /** The queue, for a per-queue notify map (setup_vq). */
  readonly queue?: number
  /** Config offset of the capability. */
  readonly off: number
  readonly minlen: number
  readonly align: number
  readonly start: number
  readonly size: number
}

export interface MapContext {
  readonly rec: ProbeRecorder
  readonly profile: KernelProfile
  readonly modernBars: ModernBars
}

export type MapOutcome = {readonly ok: true; readonly len: number; readonly mapped: number} | {readonly ok: false}

/** A check either lets the map go on (undefined) or fails with the kernel's message (no prefix). */
type CheckFailure = string | undefined

const u32 = (n: number): number => n >>> 0

type MapCheck = Extract<keyof CheckFacts, `map.${string}`>

export function checkBarUnchanged(bar: number, modernBars: number): CheckFailure {
  return bar >= PCI_STD_NUM_BARS || !(modernBars & (1 << bar)) ? `virtio_pci: bar unexpectedly changed to ${bar}` : undefined
}

export function checkLengthAboveStart(length: number, start: number): CheckFailure {
  return length <= start ? `virtio_pci: bad capability len ${length} (>${start} expected)` : undefined
}

export function checkLengthCoversMinlen(length: number, start: number, minlen: number): CheckFailure {
  return length - start < minlen ? `virtio_pci: bad capability len ${length} (>=${minlen} expected)` : undefined
}

export function checkNoWrap(start: number, offset: number): CheckFailure {
  return u32(start + offset) < offset ? `virtio_pci: map wrap-around ${start}+${offset}` : undefined
}

export function checkAligned(offset: number, align: number): CheckFailure {
  return offset & (align - 1) ? `virtio_pci: offset ${offset} not aligned to ${align}` : undefined
}

/** size_t arithmetic: minlen + offset cannot wrap on a 64-bit kernel for a u32 offset. */
export function checkInBar(minlen: number, offset: number, bar: number, barLen: number): CheckFailure {
  return minlen + offset > barLen ? `virtio_pci: map virtio ${minlen}@${offset} out of range on bar ${bar} length ${barLen}` : undefined
}

export function vpModernMapCapability(ctx: MapContext, req: MapRequest): MapOutcome {
  const {rec, profile} = ctx
  const fn = profile.rules.mapCapabilityFn
  const file = profile.rules.modernFile
  const at = `cap@${hex(req.off)}`
  const what = req.queue === undefined ? req.struct : `${req.struct} queue ${req.queue}`
  const callStart = rec.mark()
  const bar = rec.config(`${at}.bar`, req.off + VIRTIO_PCI_CAP_BAR, 1)
  let offset = rec.config(`${at}.offset`, req.off + VIRTIO_PCI_CAP_OFFSET, 4)
  let length = rec.config(`${at}.length`, req.off + VIRTIO_PCI_CAP_LENGTH, 4)
  const rawLength = length
  const mapping = (extra: Partial<MappingResult>): MappingResult => ({
    what,
    capOffset: hex(req.off),
    bar,
    offset: hex(offset),
    length: hex(rawLength),
    minlen: req.minlen,
    align: req.align,
    size: hex(req.size),
    ok: false,
    ...extra,
  })
  const struct = {struct: req.struct, ...(req.queue === undefined ? {} : {queue: req.queue}), capOffset: req.off}
  // Each check tests fields read at the start of this call: all of the call's reads are its basis.
  const fail = <K extends MapCheck>(check: K, facts: Omit<CheckFacts[K], keyof typeof struct>, rule: string, message: string): MapOutcome => {
    const step = {fn, rule: `${what}: ${rule}`, detail: message, kernelSource: file, message: {level: 'err', text: message, device: true}} as const
    rec.failCheck({...step, check, facts: {...struct, ...facts} as CheckFacts[K], basis: rec.readsSince(callStart)})
    rec.mappings.push(mapping({}))
    return {ok: false}
  }
  const pass = (rule: string, detail?: string) => rec.step(fn, `${what}: ${rule}`, 'pass', detail, file)

  if (profile.rules.mapBarRecheck) {
    const f = checkBarUnchanged(bar, ctx.modernBars.value)
    if (f) return fail('map.bar-changed', {bar, modernBars: ctx.modernBars.value}, 'bar >= PCI_STD_NUM_BARS || !(modern_bars & (1 << bar))', f)
    pass('bar >= PCI_STD_NUM_BARS || !(modern_bars & (1 << bar))', `bar ${bar}, modern_bars ${hex(ctx.modernBars.value)}`)
  }
  let f = checkLengthAboveStart(length, req.start)
  if (f) return fail('map.len-le-start', {length, start: req.start}, 'length <= start', f)
  pass('length <= start', `length ${length}, start ${req.start}`)
  f = checkLengthCoversMinlen(length, req.start, req.minlen)
  if (f) return fail('map.len-below-minlen', {length, start: req.start, minlen: req.minlen}, 'length - start < minlen', f)
  pass('length - start < minlen', `minlen ${req.minlen}`)
  length = u32(length - req.start)
  f = checkNoWrap(req.start, offset)
  if (f) return fail('map.wrap', {start: req.start, offset}, 'start + offset < offset (u32 wrap)', f)
  pass('start + offset < offset (u32 wrap)', `offset ${offset}`)
  offset = u32(offset + req.start)
  f = checkAligned(offset, req.align)
  if (f) return fail('map.misaligned', {offset, align: req.align}, 'offset & (align - 1)', f)
  pass('offset & (align - 1)', `offset ${offset}, align ${req.align}`)
  if (length > req.size) length = req.size
  const barLen = rec.resourceLen(bar)
  f = checkInBar(req.minlen, offset, bar, barLen)
  if (f) return fail('map.out-of-range', {minlen: req.minlen, offset, bar, barLength: barLen}, 'minlen + offset > pci_resource_len(bar)', f)
  pass('minlen + offset > pci_resource_len(bar)', `${req.minlen} + ${offset} <= ${barLen}`)
  const io = pciIomapRange(rec, bar, offset, length)
  if (!io.ok) {
    const message = `virtio_pci: unable to map virtio ${length}@${offset} on bar ${bar}`
    return fail('map.iomap-null', {bar, offset, length, why: io.why}, `pci_iomap_range returns NULL (${iomapFailureText(io.why, bar)})`, message)
  }
  pass('pci_iomap_range', `${hex(io.mapped)} bytes mapped at BAR ${bar} + ${hex(offset)}`)
  rec.mappings.push(mapping({offset: hex(offset), ok: true, mappedLength: hex(io.mapped), kernelLength: hex(length)}))
  return {ok: true, len: length, mapped: io.mapped}
}
