/**
 * Differential fuzzing: config spaces derived from QEMU-shaped seeds (and random ones) go through the
 * model and the kernel code (oracle) for one profile; every difference is kept with its input.
 * Where the kernel code reads a byte the input lacks but the model decided anyway, the unknown bytes
 * are filled in (with the true bytes and with random ones) and the model's answer must hold for all.
 */
import type {PredictedOutcome} from '../../model/types.js'
import {predict} from '../../model/virtio-pci-probe.js'
import type {KernelProfile} from '../../model/profiles.js'
import {compareWithModel, modelQueues, type OracleDifference} from '../compare.js'
import type {OracleCase} from '../case-format.js'
import type {OracleResult} from '../result.js'
import type {OracleProcess} from '../run.js'
import {type ConfigImage, barFlags, cloneImage, toProbeInput} from './image.js'
import {type Rng, mutate, randomImage, rngFrom} from './mutate.js'
import {boundaryImages} from './boundaries.js'
import {SEEDS, qemuLikeImage} from './seeds.js'

export interface FuzzFinding {
  readonly profile: string
  readonly id: string
  readonly ops: readonly string[]
  readonly image: ConfigImage
  readonly kernel: OracleResult
  readonly model: PredictedOutcome
  readonly differences: readonly OracleDifference[]
}

export interface ProfileStats {
  readonly profile: string
  inputs: number
  agree: number
  disagree: number
  /** Kernel code needed unknown evidence, the model decided, and every fill-in agreed with the model. */
  fillInConfirmed: number
  /** Both said undetermined. */
  bothUndetermined: number
  readonly kernelRc: Record<string, number>
  /** Kernel message templates seen (numbers and the address replaced): which checks the inputs reached. */
  readonly kernelMessages: Record<string, number>
  readonly findings: FuzzFinding[]
}

/** A kernel message without its numbers and device address, e.g. `virtio_pci: offset N not aligned to N`. */
export function messageTemplate(text: string): string {
  return text.replace(/^\S+ [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: /, '').replace(/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g, 'BDF').replace(/\b0x[0-9a-f]+\b|\b\d+\b/g, 'N')
}

export interface FuzzOptions {
  readonly count: number
  readonly seed: number
  readonly batch?: number
  /** Stop collecting findings after this many (counting goes on). */
  readonly maxFindings?: number
  readonly extraSeeds?: readonly ConfigImage[]
}

export function caseFor(id: string, image: ConfigImage): OracleCase {
  return {id, input: toProbeInput(image), barFlags: barFlags(image), ...(image.queueNotifyOffs ? {queueNotifyOffs: image.queueNotifyOffs} : {})}
}

/** The image with every unknown byte and BAR fact made known: with its true value, or random. */
export function fillUnknown(image: ConfigImage, rng?: Rng): ConfigImage {
  const out = cloneImage(image)
  for (let i = 0; i < 4096; i++) {
    if (!out.known[i]) {
      if (rng) out.bytes[i] = Math.floor(rng() * 256)
      out.known[i] = 1
    }
  }
  for (const b of out.bars) delete b.unknown
  return out
}

const hasUnknown = (image: ConfigImage): boolean => image.known.includes(0) || image.bars.some((b) => b.unknown && Object.values(b.unknown).some(Boolean))

/** Runs one image through both sides; returns the comparison and, if it disagrees, the finding. */
export async function checkImage(
  oracle: OracleProcess,
  profile: KernelProfile,
  id: string,
  image: ConfigImage,
  rng: Rng,
): Promise<{verdict: 'agree' | 'disagree' | 'fill-in-confirmed' | 'both-undetermined'; kernel: OracleResult; model: PredictedOutcome; differences: readonly OracleDifference[]}> {
  const input = toProbeInput(image)
  const model = predict(input, profile)
  const kernel = await oracle.run(caseFor(id, image))
  const queues = image.queueNotifyOffs ? modelQueues(input, profile, model, image.queueNotifyOffs) : undefined
  const cmp = compareWithModel(kernel, model, queues)
  if (cmp.verdict === 'agree') {
    return {verdict: kernel.rc === 'undetermined' ? 'both-undetermined' : 'agree', kernel, model, differences: []}
  }
  if (cmp.verdict === 'disagree') return {verdict: 'disagree', kernel, model, differences: cmp.differences}
  // oracle-undetermined: the model's determined answer must hold whatever the unknown bytes are.
  if (!hasUnknown(image)) return {verdict: 'disagree', kernel, model, differences: cmp.differences}
  for (const filled of [fillUnknown(image), fillUnknown(image, rng), fillUnknown(image, rng)]) {
    const k = await oracle.run(caseFor(`${id}-fill`, filled))
    const c = compareWithModel(k, model, filled.queueNotifyOffs ? modelQueues(toProbeInput(filled), profile, model, filled.queueNotifyOffs) : undefined)
    if (c.verdict !== 'agree') {
      return {
        verdict: 'disagree',
        kernel: k,
        model,
        differences: [{kind: 'undetermined', model: `decided rc ${model.rc} without the unknown evidence`, kernel: `with it filled in: rc ${k.rc}`}, ...c.differences],
      }
    }
  }
  return {verdict: 'fill-in-confirmed', kernel, model, differences: []}
}

function seedImages(extra: readonly ConfigImage[] = []): ConfigImage[] {
  return [...SEEDS.map((s) => qemuLikeImage(s)), ...extra]
}

/** Fuzzes one profile against its oracle: `count` inputs, the boundary seeds first (seeds.ts), then
 * about 75% mutated seeds and 25% random images. */
export async function fuzzProfile(oracle: OracleProcess, profile: KernelProfile, opts: FuzzOptions): Promise<ProfileStats> {
  const rng = rngFrom(opts.seed)
  const seeds = seedImages(opts.extraSeeds)
  const boundaries = boundaryImages()
  const stats: ProfileStats = {profile: profile.name, inputs: 0, agree: 0, disagree: 0, fillInConfirmed: 0, bothUndetermined: 0, kernelRc: {}, kernelMessages: {}, findings: []}
  const batch = opts.batch ?? 256
  for (let done = 0; done < opts.count; done += batch) {
    const n = Math.min(batch, opts.count - done)
    const work: Promise<void>[] = []
    for (let k = 0; k < n; k++) {
      const i = done + k
      const boundary = boundaries[i]
      const fromSeed = boundary === undefined && rng() < 0.75
      const {image, ops} = boundary
        ? {image: boundary.image, ops: [`boundary:${boundary.name}`]}
        : fromSeed ? mutate(seeds[Math.floor(rng() * seeds.length)]!, rng) : {image: randomImage(rng), ops: ['random']}
      const id = `${profile.name}-${opts.seed}-${i}`
      const caseRng = rngFrom(opts.seed ^ (i * 2654435761))
      work.push(
        checkImage(oracle, profile, id, image, caseRng).then((r) => {
          stats.inputs++
          stats.kernelRc[r.kernel.rc] = (stats.kernelRc[r.kernel.rc] ?? 0) + 1
          for (const m of r.kernel.messages) {
            const t = messageTemplate(m.text)
            stats.kernelMessages[t] = (stats.kernelMessages[t] ?? 0) + 1
          }
          if (r.verdict === 'agree') stats.agree++
          else if (r.verdict === 'both-undetermined') stats.bothUndetermined++
          else if (r.verdict === 'fill-in-confirmed') stats.fillInConfirmed++
          else {
            stats.disagree++
            if (stats.findings.length < (opts.maxFindings ?? 50)) {
              stats.findings.push({profile: profile.name, id, ops, image, kernel: r.kernel, model: r.model, differences: r.differences})
            }
          }
        }),
      )
    }
    await Promise.all(work)
  }
  return stats
}
