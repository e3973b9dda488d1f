import {InputError, UsageError} from '../util/errors.js'
import {formatSource} from '../util/source.js'

/**
 * An error as `--json` users see it on stdout: one object, the same facts as the stderr line.
 * `message` is the reason without the place; `file` and `line` (or `record`, for binary inputs) say
 * where, when the error is about an input; `exit` is the process exit code.
 */
export interface CliErrorJson {
  error: {
    /** input (a file the user gave), usage (the command line), or a command's own failure kind. */
    code: string
    message: string
    file?: string
    line?: number
    record?: number
    exit: number
    /** More lines a reader may need (the last lines of a failed guest's console, say). */
    detail?: readonly string[]
  }
}

/** The stderr line (without `probediff: `): `file:line: message`, as InputError prints it. */
export function errorLine(error: CliErrorJson['error']): string {
  return error.file === undefined ? error.message : `${formatSource({file: error.file, line: error.line, record: error.record})}: ${error.message}`
}

export function cliErrorJson(err: InputError | UsageError): CliErrorJson['error'] {
  if (err instanceof UsageError) return {code: 'usage', message: err.message, exit: err.exitCode}
  const where = err.source
  return {
    code: 'input',
    message: err.reason,
    ...(where ? {file: where.file} : {}),
    ...(where?.line !== undefined ? {line: where.line} : {}),
    ...(where?.record !== undefined ? {record: where.record} : {}),
    exit: err.exitCode,
  }
}
