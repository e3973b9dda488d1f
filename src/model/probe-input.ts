/**
 * The model's view of one function: config reads over the evidence image (known only if every byte
 * is) and pci_resource_{start,len,flags} as Linux would report them for BARs 0..5.
 */
import type {ConfigRead, ConfigSpaceReader, ProbeInput, ResourceFacts} from './input.js'
import type {SourceRef} from '../util/source.js'
import type {BarEvidence, ConfigImageView, DeviceEvidence} from '../evidence/types.js'

export function toProbeInput(dev: DeviceEvidence, opts: {forceLegacy: boolean}): ProbeInput {
  return {
    bdf: dev.bdf,
    config: configReader(dev.config),
    resources: dev.bars.map(resourceFacts),
    forceLegacy: opts.forceLegacy,
  }
}

export function configReader(image: ConfigImageView): ConfigSpaceReader {
  return {
    read(offset: number, width: 1 | 2 | 4): ConfigRead {
      const missing: number[] = []
      const sources: SourceRef[] = []
      const seen = new Set<string>()
      let value = 0
      let inferred = false
      for (let i = width - 1; i >= 0; i--) {
        const at = offset + i
        const byte = image.byte(at)
        if (!byte) {
          missing.unshift(at)
          continue
        }
        value = value * 256 + byte.current.value
        inferred ||= byte.current.origin === 'inferred'
        const {file, line, record} = byte.current.src
        const key = `${file}\0${line}\0${record}`
        if (!seen.has(key)) {
          seen.add(key)
          sources.unshift(byte.current.src)
        }
      }
      if (missing.length > 0) return {known: false, missing}
      return {known: true, value, sources, inferred}
    },
  }
}

/** Linux's view of a BAR: an unimplemented BAR is empty, and so is the upper dword of a 64-bit BAR
 * (the evidence gives it size 0). Facts the evidence does not have are left out. */
export function resourceFacts(bar: BarEvidence): ResourceFacts {
  if (bar.size === 0) return {index: bar.index, len: 0, type: 'none', start: 0, sources: bar.sources}
  return {
    index: bar.index,
    ...(bar.size !== undefined ? {len: bar.size} : {}),
    ...(bar.kind !== undefined ? {type: bar.kind} : {}),
    ...(bar.addr !== undefined ? {start: bar.addr} : {}),
    sources: bar.sources,
  }
}
