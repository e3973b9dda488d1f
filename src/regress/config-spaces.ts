/**
 * Every config space `probediff regress` knows: each case of the corpus whatever kernel captured it
 * (a device's config space is input to any kernel), the hand-made fault cases, and what the command
 * line adds: a case directory, a directory of cases, or any input probediff reads (trace, lspci dump,
 * sysfs config or device directory).
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {buildEvidence} from '../evidence/build.js'
import {toProbeInput} from '../model/probe-input.js'
import type {ProbeInput} from '../model/input.js'
import {PCI_VENDOR_ID_REDHAT_QUMRANET} from '../pci/layout.js'
import {type CorpusDevice, loadCase, loadCorpus} from '../oracle/corpus.js'
import {UsageError} from '../util/errors.js'

export type ConfigSpaceSource = 'capture' | 'fault' | 'user' | 'input' | 'generated'

export interface ConfigSpace {
  /** Case name, or the input's file name. */
  readonly caseName: string
  readonly source: ConfigSpaceSource
  /** The kernel series that captured it, when known (the report shows it; both sides run it anyway). */
  readonly series?: string
  readonly bdf: string
  readonly qemuDevice?: string
  readonly input: ProbeInput
}

export interface CollectOptions {
  /** The corpus's traces/ directory (skipped with `includeCorpus: false`). */
  readonly tracesDir: string
  readonly includeCorpus: boolean
  /** Paths from the command line. */
  readonly paths: readonly string[]
  readonly onSkip: (name: string, reason: string) => void
}

function fromCase(d: CorpusDevice, user: boolean): ConfigSpace {
  const source: ConfigSpaceSource = user ? 'user' : d.caseKind === 'fault' ? 'fault' : 'capture'
  return {caseName: d.caseName, source, series: d.series, bdf: d.bdf, ...(d.qemuDevice ? {qemuDevice: d.qemuDevice} : {}), input: d.input}
}

export async function collectConfigSpaces(opts: CollectOptions): Promise<ConfigSpace[]> {
  const out: ConfigSpace[] = []
  const seen = new Set<string>()
  const add = (c: ConfigSpace) => {
    const key = `${c.caseName}\0${c.bdf}`
    if (!seen.has(key)) {
      seen.add(key)
      out.push(c)
    }
  }
  if (opts.includeCorpus) for (const d of await loadCorpus(opts.tracesDir, {onSkip: opts.onSkip})) add(fromCase(d, false))
  for (const p of opts.paths) {
    const abs = resolve(p)
    if (!existsSync(abs)) throw new UsageError(`${p}: no such file or directory`)
    const isDir = statSync(abs).isDirectory()
    if (isDir && existsSync(join(abs, 'case.json'))) {
      for (const d of await loadCase(abs, basename(abs), opts.onSkip)) add(fromCase(d, true))
    } else if (isDir && readdirSync(abs).some((e) => existsSync(join(abs, e, 'case.json')))) {
      for (const d of await loadCorpus(abs, {onSkip: opts.onSkip})) add(fromCase(d, true))
    } else {
      // A trace, a dump or a sysfs device directory: its functions with no series of their own.
      const evidence = await buildEvidence([{path: abs, displayName: p}], {})
      let n = 0
      for (const dev of evidence.devices) {
        const input = toProbeInput(dev, {forceLegacy: false})
        const vendor = input.config.read(0, 2)
        if (!vendor.known || vendor.value !== PCI_VENDOR_ID_REDHAT_QUMRANET) continue
        add({caseName: basename(abs), source: 'input', bdf: dev.bdf, ...(dev.qemuDevice ? {qemuDevice: dev.qemuDevice} : {}), input})
        n++
      }
      if (n === 0) opts.onSkip(p, 'no virtio-pci function (vendor 1af4) in it')
    }
  }
  return out
}
