import {type SourceRef, formatSource} from './source.js'

/**
 * Input the user gave us cannot be used. Rendered as one line `file:line: message`, exit code 2.
 * Never carries a stack trace to the terminal.
 */
export class InputError extends Error {
  override readonly name = 'InputError'
  readonly exitCode = 2
  constructor(
    /** What is wrong, without the place (`message` is `file:line: reason`). */
    readonly reason: string,
    readonly source?: SourceRef,
  ) {
    super(source ? `${formatSource(source)}: ${reason}` : reason)
  }
}

/** The command line itself is wrong (bad flag combination, unknown device, ...). Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly exitCode = 2
}

/** A problem we can continue past; reported once per kind, with where it happened. */
export interface InputWarning {
  readonly code: string
  readonly message: string
  readonly source?: SourceRef
  /** How many times this warning occurred (only the first source is kept). */
  count: number
}

/** Collects warnings, folding repeats of the same code into one entry with a count. */
export class WarningSink {
  private readonly byCode = new Map<string, InputWarning>()

  warn(code: string, message: string, source?: SourceRef): void {
    const existing = this.byCode.get(code)
    if (existing) {
      existing.count++
      return
    }
    this.byCode.set(code, {code, message, source, count: 1})
  }

  get warnings(): InputWarning[] {
    return [...this.byCode.values()]
  }

  /** Takes over another sink's warnings (counts added), e.g. of a pass whose result is kept. */
  absorb(other: WarningSink): void {
    for (const w of other.warnings) {
      const existing = this.byCode.get(w.code)
      if (existing) existing.count += w.count
      else this.byCode.set(w.code, {...w})
    }
  }

  formatAll(): string[] {
    return this.warnings.map(formatWarning)
  }
}

/** `file:line: message (N times)`: one warning as a user reads it. */
export function formatWarning(w: InputWarning): string {
  const where = w.source ? `${formatSource(w.source)}: ` : ''
  const times = w.count > 1 ? ` (${w.count} times)` : ''
  return `${where}${w.message}${times}`
}
