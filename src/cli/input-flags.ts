import {Flags} from '@oclif/core'
import {INPUT_FORMATS, type InputFormat, type MemRegionFilter} from '../ingest/index.js'
import type {ReplayInput} from '../replay/replay.js'
import {UsageError} from '../util/errors.js'

const CSV_FIELDS = ['time', 'bdf', 'op', 'offset', 'size', 'value']

/** The flags every command reading inputs takes (ingest, replay, triage). */
export const inputFlags = {
  dmesg: Flags.string({description: "the guest's kernel log (repeatable)", multiple: true, helpValue: 'FILE'}),
  format: Flags.option({options: INPUT_FORMATS, description: 'input format of the positional inputs (default: sniffed)'})(),
  columns: Flags.string({description: 'CSV column names, e.g. offset=Address,value=Data', helpValue: 'MAP'}),
  bdf: Flags.string({description: 'PCI address of a loose sysfs config file or hex dump that does not name it', helpValue: 'BDF'}),
  'all-memory-events': Flags.boolean({description: 'keep memory_region_ops events of every region (default: PCI config and virtio regions only)'}),
}

export interface InputFlagValues {
  dmesg?: string[]
  format?: string
  columns?: string
  bdf?: string
  /** replay/triage `--device`: also the address of a config file or hex dump that names none. */
  device?: string
  'all-memory-events'?: boolean
}

/** Positional inputs then dmesg files, with the ingest options the flags ask for. */
export function inputsFromFlags(paths: readonly string[], flags: InputFlagValues): {inputs: ReplayInput[]; options: {csvColumns?: Record<string, string>; bdf?: string; defaultBdf?: string; memRegions?: MemRegionFilter}} {
  return {
    inputs: [...paths.map((path) => ({path, format: flags.format as InputFormat | undefined})), ...(flags.dmesg ?? []).map((path) => ({path, format: 'dmesg' as const}))],
    options: {
      ...(flags.columns ? {csvColumns: parseColumnsFlag(flags.columns)} : {}),
      ...(flags.bdf ? {bdf: flags.bdf} : {}),
      ...(flags.device ? {defaultBdf: flags.device} : {}),
      ...(flags['all-memory-events'] ? {memRegions: 'all' as MemRegionFilter} : {}),
    },
  }
}

/** `--columns offset=Address,value=Data` → {offset: 'Address', value: 'Data'}. */
export function parseColumnsFlag(text: string): Record<string, string> {
  const map: Record<string, string> = {}
  for (const part of text.split(',')) {
    const [field, name] = part.split('=').map((s) => s.trim())
    if (!field || !name || !CSV_FIELDS.includes(field)) {
      throw new UsageError(`--columns: expected FIELD=HEADER pairs with FIELD one of ${CSV_FIELDS.join(', ')} (got ${JSON.stringify(part)})`)
    }
    map[field] = name
  }
  return map
}
