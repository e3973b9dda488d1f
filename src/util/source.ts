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
