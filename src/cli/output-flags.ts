import {Flags} from '@oclif/core'

/** Every report format a command may render; each command offers the subset it has. */
export type OutputFormat = 'text' | 'md' | 'json' | 'ktap' | 'junit'

/**
 * `--output F`: what a command renders on stdout (never the input format: that is --format).
 * `--output json` is the same as --json (the base command treats both alike).
 */
export function outputFlag<const T extends readonly OutputFormat[]>(formats: T) {
  return Flags.option({options: formats, default: 'text' as T[number], description: 'report format on stdout (json: same as --json)'})()
}
