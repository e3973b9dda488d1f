/**
 * Shrinks a disagreeing image while the disagreement (same difference kinds) persists: force_legacy
 * off, BARs removed, unknown evidence made known, caps dropped, unread bytes zeroed, then byte by byte.
 * Also renders an image as a compact, reviewable regression case (only non-zero bytes).
 */
import type {KernelProfile} from '../../model/profiles.js'
import type {OracleProcess} from '../run.js'
import {checkImage} from './fuzz.js'
import {type BarFacts, type ConfigImage, capChain, cloneImage, setChain} from './image.js'
import {rngFrom} from './mutate.js'
import {hex, hexDigits} from '../../util/hex.js'

export async function minimizeImage(oracle: OracleProcess, profile: KernelProfile, image: ConfigImage, kinds: readonly string[]): Promise<ConfigImage> {
  const key = [...kinds].sort().join(',')
  let n = 0
  const stillFails = async (img: ConfigImage): Promise<boolean> => {
    const r = await checkImage(oracle, profile, `min-${n++}`, img, rngFrom(n))
    return r.verdict === 'disagree' && [...new Set(r.differences.map((d) => d.kind))].sort().join(',') === key
  }
  let cur = cloneImage(image)
  const attempt = async (change: (img: ConfigImage) => void): Promise<void> => {
    const next = cloneImage(cur)
    change(next)
    if (await stillFails(next)) cur = next
  }
  await attempt((img) => {
    img.forceLegacy = false
  })
  for (let i = 0; i < 6; i++) {
    await attempt((img) => {
      img.bars[i] = {type: 'none', start: 0, len: 0}
    })
  }
  await attempt((img) => {
    img.known.fill(1)
    for (const b of img.bars) delete b.unknown
  })
  for (let changed = true; changed; ) {
    changed = false
    const chain = capChain(cur)
    for (let i = 0; i < chain.length; i++) {
      const before = capChain(cur).length
      await attempt((img) => setChain(img, chain.filter((_, k) => k !== i)))
      if (capChain(cur).length < before) {
        changed = true
        break
      }
    }
  }
  // Bytes in the capability area that are not part of a listed cap.
  await attempt((img) => {
    const keep = new Set<number>()
    for (const p of capChain(img)) for (let i = 0; i < 20; i++) keep.add(p + i)
    for (let i = 0x40; i < 4096; i++) if (!keep.has(i)) img.bytes[i] = 0
  })
  for (let i = 0; i < 4096; i++) {
    if (cur.bytes[i] === 0 || i === 0x00 || i === 0x01) continue
    await attempt((img) => {
      img.bytes[i] = 0
    })
  }
  return cur
}

export interface SparseImage {
  readonly bdf: string
  readonly forceLegacy: boolean
  /** Runs of non-zero bytes: offset (hex) -> space-separated hex bytes. */
  readonly bytes: Readonly<Record<string, string>>
  /** Offsets (hex) of bytes the evidence lacks. */
  readonly unknown: readonly string[]
  readonly bars: readonly BarFacts[]
}


export function toSparse(img: ConfigImage): SparseImage {
  const bytes: Record<string, string> = {}
  for (let i = 0; i < 4096; ) {
    if (img.bytes[i] === 0) {
      i++
      continue
    }
    const start = i
    const run: string[] = []
    while (i < 4096 && (img.bytes[i] !== 0 || (img.bytes[i + 1] ?? 0) !== 0) && run.length < 16) run.push(hexDigits(img.bytes[i++]!, 2))
    bytes[hex(start)] = run.join(' ')
  }
  const unknown: string[] = []
  for (let i = 0; i < 4096; i++) if (!img.known[i]) unknown.push(hex(i))
  return {bdf: img.bdf, forceLegacy: img.forceLegacy, bytes, unknown, bars: img.bars}
}

export function fromSparse(s: SparseImage): ConfigImage {
  const img: ConfigImage = {
    bytes: new Uint8Array(4096),
    known: new Uint8Array(4096).fill(1),
    bars: s.bars.map((b) => ({...b})),
    forceLegacy: s.forceLegacy,
    bdf: s.bdf,
  }
  for (const [off, run] of Object.entries(s.bytes)) {
    run.split(' ').forEach((h, k) => {
      img.bytes[Number.parseInt(off, 16) + k] = Number.parseInt(h, 16)
    })
  }
  for (const off of s.unknown) img.known[Number.parseInt(off, 16)] = 0
  return img
}
