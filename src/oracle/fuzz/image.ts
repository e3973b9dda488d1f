/**
 * A config-space image for fuzzing: 4096 bytes, a known-mask, the six BAR facts and force_legacy,
 * with helpers to walk and rewrite the capability list. Converts to the model's ProbeInput.
 */
import type {ConfigRead, ProbeInput, ResourceFacts} from '../../model/input.js'
import {CapabilityWalk} from '../../pci/capabilities.js'
import {PCI_CAPABILITY_LIST, PCI_CAP_LIST_NEXT} from '../../pci/layout.js'

export interface BarFacts {
  type: 'io' | 'mem' | 'none'
  start: number
  len: number
  mem64?: boolean
  pref?: boolean
  /** Which facts the evidence lacks. */
  unknown?: {start?: boolean; len?: boolean; type?: boolean}
}

export interface ConfigImage {
  bytes: Uint8Array
  /** 1 = known. */
  known: Uint8Array
  bars: BarFacts[]
  forceLegacy: boolean
  bdf: string
  /** queue_notify_off of queues 0, 1, ... as common config would answer them (case-format.ts). */
  queueNotifyOffs?: number[]
}

export function emptyImage(): ConfigImage {
  return {
    bytes: new Uint8Array(4096),
    known: new Uint8Array(4096).fill(1),
    bars: Array.from({length: 6}, () => ({type: 'none' as const, start: 0, len: 0})),
    forceLegacy: false,
    bdf: '0000:00:03.0',
  }
}

export function cloneImage(img: ConfigImage): ConfigImage {
  return {
    bytes: img.bytes.slice(),
    known: img.known.slice(),
    bars: img.bars.map((b) => ({...b, unknown: b.unknown ? {...b.unknown} : undefined})),
    forceLegacy: img.forceLegacy,
    bdf: img.bdf,
    ...(img.queueNotifyOffs ? {queueNotifyOffs: [...img.queueNotifyOffs]} : {}),
  }
}

export function put(img: ConfigImage, off: number, width: 1 | 2 | 4, value: number): void {
  for (let i = 0; i < width; i++) if (off + i < 4096) img.bytes[off + i] = (value >>> (8 * i)) & 0xff
}

export function get(img: ConfigImage, off: number, width: 1 | 2 | 4): number {
  let v = 0
  for (let i = 0; i < width; i++) v += (img.bytes[off + i] ?? 0) * 2 ** (8 * i)
  return v
}

/** Capability positions in list order, whatever the status bit says (the plain walk: it stops at a
 * repeat or below 0x40). */
export function capChain(img: ConfigImage): number[] {
  return [...new CapabilityWalk((offset) => img.bytes[offset])].map((c) => c.offset)
}

/** Rewrites the next pointers so the list is exactly `chain` (0x34 points at the first). */
export function setChain(img: ConfigImage, chain: readonly number[]): void {
  img.bytes[PCI_CAPABILITY_LIST] = chain[0] ?? 0
  chain.forEach((pos, i) => {
    img.bytes[pos + PCI_CAP_LIST_NEXT] = chain[i + 1] ?? 0
  })
}

export function toProbeInput(img: ConfigImage): ProbeInput {
  const known = img.known
  const bytes = img.bytes
  const NO_SOURCES: readonly never[] = []
  const config = {
    read(offset: number, width: 1 | 2 | 4): ConfigRead {
      if (width === 1 && offset >= 0 && offset < 4096 && known[offset]) {
        return {known: true, value: bytes[offset]!, sources: NO_SOURCES, inferred: false}
      }
      const missing: number[] = []
      let value = 0
      for (let i = 0; i < width; i++) {
        const o = offset + i
        if (o >= 4096 || !known[o]) missing.push(o)
        else value += bytes[o]! * 2 ** (8 * i)
      }
      if (missing.length) return {known: false, missing}
      return {known: true, value, sources: [], inferred: false}
    },
  }
  const resources: ResourceFacts[] = img.bars.map((b, index) => ({
    index,
    ...(b.unknown?.len ? {} : {len: b.type === 'none' ? 0 : b.len}),
    ...(b.unknown?.type ? {} : {type: b.type}),
    ...(b.unknown?.start ? {} : {start: b.type === 'none' ? 0 : b.start}),
    sources: [],
  }))
  return {bdf: img.bdf, config, resources, forceLegacy: img.forceLegacy}
}

/** Extra %pR flags per BAR for the oracle case. */
export function barFlags(img: ConfigImage): Record<number, ('mem64' | 'pref')[]> {
  const out: Record<number, ('mem64' | 'pref')[]> = {}
  img.bars.forEach((b, i) => {
    const f: ('mem64' | 'pref')[] = []
    if (b.mem64) f.push('mem64')
    if (b.pref) f.push('pref')
    if (f.length) out[i] = f
  })
  return out
}
