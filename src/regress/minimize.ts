/**
 * Minimizing a generated config space that the base and the patched kernel treat differently: the
 * changes from the known config space it descends from (each byte, each BAR's facts, force_legacy)
 * are shrunk by delta debugging (Zeller's ddmin) to a 1-minimal set that still makes the two sides
 * differ in the same kinds of way. The seed's unknown bytes count as 0 (the generator filled them).
 */
import {fillUnknown} from '../oracle/fuzz/fuzz.js'
import {type BarFacts, type ConfigImage, cloneImage} from '../oracle/fuzz/image.js'

export type ConfigChange =
  | {readonly kind: 'byte'; readonly offset: number; readonly from: number; readonly to: number}
  | {readonly kind: 'bar'; readonly index: number; readonly from: BarFacts; readonly to: BarFacts}
  | {readonly kind: 'force-legacy'; readonly to: boolean}
  | {readonly kind: 'queue-notify-offs'; readonly to: readonly number[] | undefined}

const barKey = (b: BarFacts) => `${b.type} ${b.start} ${b.len} ${b.mem64 ? 1 : 0} ${b.pref ? 1 : 0}`

/** The seed as the generator saw it: every fact known, unknown bytes 0. */
export const referenceOf = (seed: ConfigImage): ConfigImage => fillUnknown(seed)

/** Every change from `reference` (fully known) to `image`, in offset order. */
export function changesBetween(reference: ConfigImage, image: ConfigImage): ConfigChange[] {
  const out: ConfigChange[] = []
  if (reference.forceLegacy !== image.forceLegacy) out.push({kind: 'force-legacy', to: image.forceLegacy})
  if (JSON.stringify(reference.queueNotifyOffs) !== JSON.stringify(image.queueNotifyOffs)) out.push({kind: 'queue-notify-offs', to: image.queueNotifyOffs})
  for (let i = 0; i < 6; i++) {
    const a = reference.bars[i]!
    const b = image.bars[i]!
    if (barKey(a) !== barKey(b)) out.push({kind: 'bar', index: i, from: a, to: b})
  }
  for (let off = 0; off < 4096; off++) {
    if (reference.bytes[off] !== image.bytes[off]) out.push({kind: 'byte', offset: off, from: reference.bytes[off]!, to: image.bytes[off]!})
  }
  return out
}

export function applyChanges(reference: ConfigImage, changes: readonly ConfigChange[]): ConfigImage {
  const img = cloneImage(reference)
  for (const c of changes) {
    if (c.kind === 'byte') img.bytes[c.offset] = c.to
    else if (c.kind === 'bar') img.bars[c.index] = {...c.to}
    else if (c.kind === 'force-legacy') img.forceLegacy = c.to
    else if (c.to) img.queueNotifyOffs = [...c.to]
    else delete img.queueNotifyOffs
  }
  return img
}

/**
 * ddmin: the smallest subset of `items` found for which `fails` holds, 1-minimal (removing any one
 * item makes it pass). `fails(items)` is assumed true.
 */
export async function ddmin<T>(items: readonly T[], fails: (subset: readonly T[]) => Promise<boolean>): Promise<T[]> {
  if (await fails([])) return []
  let cur = [...items]
  let n = 2
  while (cur.length >= 2) {
    const size = Math.ceil(cur.length / n)
    const chunks = Array.from({length: Math.ceil(cur.length / size)}, (_, i) => cur.slice(i * size, (i + 1) * size))
    let next: T[] | undefined
    for (const c of chunks) {
      if (await fails(c)) {
        next = c
        n = 2
        break
      }
    }
    if (!next && chunks.length > 2) {
      for (let i = 0; i < chunks.length && !next; i++) {
        const complement = chunks.filter((_, k) => k !== i).flat()
        if (await fails(complement)) {
          next = complement
          n = Math.max(n - 1, 2)
        }
      }
    }
    if (next) cur = next
    else if (n >= cur.length) break
    else n = Math.min(cur.length, 2 * n)
  }
  return cur
}

/**
 * The fewest changes from `seed` that keep `signature` (what differs between the two sides; undefined
 * when nothing does) what it is for `image`.
 */
export async function minimizeChanges(seed: ConfigImage, image: ConfigImage, signature: (img: ConfigImage) => Promise<string | undefined>): Promise<{changes: ConfigChange[]; image: ConfigImage; from: number}> {
  const reference = referenceOf(seed)
  const all = changesBetween(reference, image)
  const want = await signature(applyChanges(reference, all))
  if (want === undefined) return {changes: all, image: applyChanges(reference, all), from: all.length}
  const changes = await ddmin(all, async (subset) => (await signature(applyChanges(reference, subset))) === want)
  return {changes, image: applyChanges(reference, changes), from: all.length}
}

const hx = (n: number) => '0x' + n.toString(16)
const barText = (b: BarFacts) => (b.type === 'none' ? 'none' : `${b.type}${b.mem64 ? '64' : ''}${b.pref ? ' pref' : ''} ${hx(b.start)} len ${hx(b.len)}`)

/** `0x4c: 0x00 -> 0x30`, `BAR 4: mem 0xfe000000 len 0x4000 -> none`, `force_legacy on`. */
export function describeChange(c: ConfigChange): string {
  if (c.kind === 'byte') return `${hx(c.offset)}: ${hx(c.from)} -> ${hx(c.to)}`
  if (c.kind === 'bar') return `BAR ${c.index}: ${barText(c.from)} -> ${barText(c.to)}`
  if (c.kind === 'force-legacy') return `force_legacy ${c.to ? 'on' : 'off'}`
  return `queue_notify_off ${c.to?.length ? c.to.map(hx).join(' ') : 'none'}`
}
