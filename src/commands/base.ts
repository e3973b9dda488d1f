import {Command, Flags, Errors, ux} from '@oclif/core'
import {createLogger, LOG_LEVELS, type LogLevel} from '../util/log.js'
import {InputError, UsageError} from '../util/errors.js'
import {jsonForTerminal, sanitizeForTerminal} from '../util/terminal.js'

/**
 * Shared behaviour of every probediff command: --log-level, and the error contract —
 * bad input or usage is one line on stderr (`probediff: file:line: message`) and exit code 2,
 * never a stack trace.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    'log-level': Flags.option({
      description: 'Log level for diagnostics on stderr',
      options: LOG_LEVELS,
      default: 'warn' as LogLevel,
      helpGroup: 'GLOBAL',
    })(),
  }

  protected async initLogging(level: LogLevel): Promise<void> {
    createLogger(level)
  }

  /**
   * --json output: the same bytes as oclif's (2-space JSON and a newline), in one JSON.stringify and
   * one write. oclif re-tokenizes the text with regexes to colour it, which only matters on a
   * terminal (on a 4 MB document it took 5% of an ingest and 150 MB of memory); there it still does.
   * DEL and C1 controls from inputs are escaped too (jsonForTerminal), which JSON.stringify does not.
   */
  protected override logJson(json: unknown): void {
    const text = jsonForTerminal(json)
    if (process.stdout.isTTY) return ux.stdout(ux.colorizeJson(text, {theme: this.config.theme?.json}))
    process.stdout.write(`${text}\n`)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof InputError || err instanceof UsageError) {
      // Written directly: oclif's logToStderr is silent under --json, and --json users need it too.
      process.stderr.write(`probediff: ${sanitizeForTerminal(err.message)}\n`)
      return this.exit(2)
    }
    if (err instanceof Errors.ExitError) throw err
    // oclif's own parse errors (unknown flag, missing arg) are usage errors: exit 2, one message.
    if (err.oclif?.exit === 2 || (err as {code?: string}).code?.startsWith?.('FAILED_')) {
      this.logToStderr(`probediff: ${sanitizeForTerminal(firstSentence(err.message))}`)
      this.logToStderr(`See more help with --help`)
      return this.exit(2)
    }
    return super.catch(err)
  }
}

/** oclif's parse errors span lines (`Missing 1 required arg:` then the argument): keep them on one. */
function firstSentence(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean)
  const first = lines[0] ?? ''
  return first.endsWith(':') && lines[1] ? `${first} ${lines[1].replace(/\s{2,}/g, ' - ')}` : first
}
