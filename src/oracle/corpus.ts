/**
 * The shipped corpus (traces/<case>/{trace.log.gz,dmesg.txt,case.json}) as oracle inputs: every
 * virtio-pci function's evidence, the way the model sees it (ProbeInput), with the profile the case
 * was captured on. Used to check model = kernel code on real devices and to seed the fuzzer.
 */
import {existsSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {type CaseMeta, caseInputs, corpusPathsOfTracesDir, readCaseMeta} from '../corpus/corpus.js'
import {buildEvidence, type EvidenceInput} from '../evidence/build.js'
import type {InputFormat} from '../ingest/index.js'
import {toProbeInput} from '../model/probe-input.js'
import type {ProbeInput} from '../model/input.js'
import {profileByName, profileFor} from '../model/profiles.js'
import {PCI_VENDOR_ID_REDHAT_QUMRANET} from '../pci/layout.js'
import {nameMatches} from '../util/name-filter.js'
import {type ConfigImage, emptyImage} from './fuzz/image.js'

export interface CorpusDevice {
  readonly caseName: string
  /** Kernel series the case ran (`5.10`, `6.1`, `6.12`, `mainline`): see caseSeries. */
  readonly series: string
  /** case.json `kind`: `capture`, `fault`, ... */
  readonly caseKind?: string
  readonly bdf: string
  readonly qemuDevice?: string
  readonly input: ProbeInput
}

/** What the oracle reads of a case.json (read and checked by src/corpus: readCaseMeta). */
type CaseJson = Pick<CaseMeta, 'replay'> & {
  readonly kind?: string
  readonly forceLegacy?: unknown
  /** Captures: the kernel that ran (`release` as uname -r shows it). */
  readonly kernel?: {readonly release?: string; readonly series?: string}
}

export interface LoadCorpusOptions {
  /** Only cases whose name matches (exactly, or as a glob: util/name-filter.ts). */
  readonly filter?: string
  /** Told about a case that cannot be used, with the reason (nothing is skipped silently). */
  readonly onSkip?: (caseName: string, reason: string) => void
}

/**
 * The kernel series of a case: case.json `replay.kernel` (hand-made cases), else the profile of the
 * captured kernel's release (`kernel.release`, `kernel.series`), else a `k<series>-` name.
 */
export function caseSeries(meta: CaseJson, name: string): string | undefined {
  if (meta.replay?.kernel) return profileByName(meta.replay.kernel)?.name ?? profileFor(meta.replay.kernel)?.name
  for (const release of [meta.kernel?.release, meta.kernel?.series]) {
    const p = release ? profileFor(release) : undefined
    if (p) return p.name
  }
  const fromName = /^k(\d+\.\d+)-/.exec(name)?.[1]
  return fromName ? (profileByName(fromName)?.name ?? profileFor(fromName)?.name) : undefined
}

/** Every virtio-pci function of the cases under `tracesDir` (`filter`: see LoadCorpusOptions). */
export async function loadCorpus(tracesDir: string, opts: string | LoadCorpusOptions = {}): Promise<CorpusDevice[]> {
  const {filter, onSkip} = typeof opts === 'string' ? {filter: opts, onSkip: undefined} : opts
  if (!existsSync(tracesDir)) return []
  const out: CorpusDevice[] = []
  for (const name of readdirSync(tracesDir).sort()) {
    const dir = join(tracesDir, name)
    if (!existsSync(join(dir, 'case.json')) || (filter !== undefined && !nameMatches(name, filter))) continue
    out.push(...(await loadCase(dir, name, onSkip)))
  }
  return out
}

/**
 * The virtio-pci functions of one case directory `dir` (traces/<name>, holding case.json). The case
 * is read as check reads it (src/corpus: case.json checked against its schema, the inputs with their
 * formats): a broken case.json is an InputError with file:line, not a skipped case.
 */
export async function loadCase(dir: string, name: string, onSkip?: (caseName: string, reason: string) => void): Promise<CorpusDevice[]> {
  const paths = corpusPathsOfTracesDir(dirname(dir))
  const meta = await readCaseMeta(paths, name)
  const series = caseSeries(meta as CaseJson, name)
  if (!series) {
    onSkip?.(name, 'no kernel series: case.json has neither replay.kernel nor kernel.release')
    return []
  }
  const files = await caseInputs(paths, meta)
  const inputs: EvidenceInput[] = files.map((f) => ({path: f.path, displayName: `${name}/${f.displayName}`, format: f.format as InputFormat | undefined}))
  if (inputs.length === 0) {
    onSkip?.(name, 'case.json lists no inputs')
    return []
  }
  const evidence = await buildEvidence(inputs, {})
  const out: CorpusDevice[] = []
  for (const dev of evidence.devices) {
    const input = toProbeInput(dev, {forceLegacy: (meta.replay?.forceLegacy ?? (meta as CaseJson).forceLegacy) === true})
    const vendor = input.config.read(0, 2)
    if (!vendor.known || vendor.value !== PCI_VENDOR_ID_REDHAT_QUMRANET) continue
    out.push({caseName: name, series, ...(meta.kind ? {caseKind: meta.kind} : {}), bdf: dev.bdf, ...(dev.qemuDevice ? {qemuDevice: dev.qemuDevice} : {}), input})
  }
  if (out.length === 0) onSkip?.(name, 'no virtio-pci function (vendor 1af4) in its inputs')
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
