/**
 * The shipped corpus (traces/<case>/{trace.log.gz,dmesg.txt,case.json}) as oracle inputs: every
 * virtio-pci function's evidence, the way the model sees it (ProbeInput), with the profile the case
 * was captured on. Used to check model = kernel code on real devices and to seed the fuzzer.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {buildEvidence, type EvidenceInput} from '../evidence/build.js'
import {toProbeInput} from '../model/probe-input.js'
import type {ProbeInput} from '../model/input.js'
import {type ConfigImage, emptyImage} from './fuzz/image.js'

export interface CorpusDevice {
  readonly caseName: string
  /** Kernel series the case ran (`5.10`, `6.1`, `6.12`): case.json `replay.kernel`, or the name `k<series>-...`. */
  readonly series: string
  readonly bdf: string
  readonly input: ProbeInput
}

interface CaseJson {
  readonly forceLegacy?: boolean
  /** Hand-made cases: input paths relative to the case directory, and the kernel to replay them on. */
  readonly inputs?: readonly string[]
  readonly replay?: {readonly kernel?: string; readonly forceLegacy?: boolean}
}

/** Every virtio-pci function of the corpus (only of cases whose name contains `filter`, if given). */
export async function loadCorpus(tracesDir: string, filter?: string): Promise<CorpusDevice[]> {
  if (!existsSync(tracesDir)) return []
  const out: CorpusDevice[] = []
  for (const name of readdirSync(tracesDir).sort()) {
    const dir = join(tracesDir, name)
    if (!existsSync(join(dir, 'case.json')) || (filter && !name.includes(filter))) continue
    const meta = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseJson
    const series = meta.replay?.kernel ?? /^k(\d+\.\d+)-/.exec(name)?.[1]
    if (!series) continue
    const files = meta.inputs ?? ['trace.log.gz', 'trace.log', 'dmesg.txt']
    const inputs: EvidenceInput[] = files
      .filter((f) => existsSync(join(dir, f)))
      .map((f) => ({path: join(dir, f), displayName: `${name}/${f}`}))
    if (inputs.length === 0) continue
    const evidence = await buildEvidence(inputs, {})
    for (const dev of evidence.devices) {
      const input = toProbeInput(dev, {forceLegacy: (meta.replay?.forceLegacy ?? meta.forceLegacy) === true})
      const vendor = input.config.read(0, 2)
      if (!vendor.known || vendor.value !== 0x1af4) continue
      out.push({caseName: name, series, bdf: dev.bdf, input})
    }
  }
  return out
}

/** A ProbeInput as a fuzzable image: every byte read at width 1 (unknown stays unknown), BAR facts copied. */
export function imageFromInput(input: ProbeInput): ConfigImage {
  const img = emptyImage()
  img.bdf = input.bdf
  img.forceLegacy = input.forceLegacy
  for (let off = 0; off < 4096; off++) {
    const r = input.config.read(off, 1)
    if (r.known) img.bytes[off] = r.value
    else img.known[off] = 0
  }
  img.bars = [0, 1, 2, 3, 4, 5].map((i) => {
    const r = input.resources.find((x) => x.index === i)
    if (!r) return {type: 'none' as const, start: 0, len: 0}
    const unknown = {
      ...(r.start === undefined ? {start: true} : {}),
      ...(r.len === undefined ? {len: true} : {}),
      ...(r.type === undefined ? {type: true} : {}),
    }
    return {type: r.type ?? 'none', start: r.start ?? 0, len: r.len ?? 0, ...(Object.keys(unknown).length ? {unknown} : {})}
  })
  return img
}
