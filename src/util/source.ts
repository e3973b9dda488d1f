/** Where a fact came from: a text line (1-based) or a binary record index, in a named input. */
export interface SourceRef {
  readonly file: string
  /** 1-based line number for text inputs. */
  readonly line?: number
  /** 0-based record index for binary inputs (simpletrace records, sysfs config byte offset). */
  readonly record?: number
}

export function formatSource(src: SourceRef): string {
  if (src.line !== undefined) return `${src.file}:${src.line}`
  if (src.record !== undefined) return `${src.file}#${src.record}`
  return src.file
}

/**
 * Formats several sources, folding consecutive binary records of one file into a range
 * (`config#72-75` for the four bytes of a dword), so a multi-byte read names its bytes compactly.
 */
export function formatSources(sources: readonly SourceRef[]): string[] {
  const out: string[] = []
  let run: {file: string; from: number; to: number} | undefined
  const flush = () => {
    if (run) out.push(run.from === run.to ? `${run.file}#${run.from}` : `${run.file}#${run.from}-${run.to}`)
    run = undefined
  }
  for (const src of sources) {
    if (src.line === undefined && src.record !== undefined) {
      if (run && run.file === src.file && src.record === run.to + 1) {
        run.to = src.record
        continue
      }
      flush()
      run = {file: src.file, from: src.record, to: src.record}
      continue
    }
    flush()
    out.push(formatSource(src))
  }
  flush()
  return out
}
