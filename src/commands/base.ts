import {Command, Flags, Errors, ux, type Interfaces} from '@oclif/core'
import {createLogger, LOG_LEVELS, type LogLevel} from '../util/log.js'
import {InputError, UsageError} from '../util/errors.js'
import {jsonForTerminal, sanitizeForTerminal} from '../util/terminal.js'
import {cliErrorJson, errorLine, type CliErrorJson} from '../cli/error-json.js'

/** oclif's FlagOutput / ArgOutput (not exported by @oclif/core). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedValues = {[name: string]: any}

/**
 * Shared behaviour of every probediff command: --log-level (the logger is set up here, once, when a
 * command parses its flags), --json, and the error contract — bad input or usage is one line on
 * stderr (`probediff: file:line: message`) and exit code 2, never a stack trace; under --json the same
 * error is also one JSON object on stdout ({"error": {code, message, file?, line?, exit}}).
 * Not a command itself: package.json's command discovery leaves this file out.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    'log-level': Flags.option({
      description: 'Log level for diagnostics on stderr',
      options: LOG_LEVELS,
      default: 'warn' as LogLevel,
      helpGroup: 'GLOBAL',
    })(),
  }

  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    createLogger((parsed.flags as {'log-level'?: LogLevel})['log-level'])
    return parsed
  }

  /** --json, or `--output json` on the commands that render several formats (before any "--"). */
  override jsonEnabled(): boolean {
    if (super.jsonEnabled()) return true
    if (!this.ctor?.enableJsonFlag) return false
    const end = this.argv.includes('--') ? this.argv.indexOf('--') : this.argv.length
    const own = this.argv.slice(0, end)
    return own.includes('--output=json') || own.some((a, i) => a === '--output' && own[i + 1] === 'json')
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

  /**
   * Ends the command with an error the user can act on: one line on stderr (plus `detail` lines, for
   * a terminal reader only), and under --json the error object on stdout. Never returns.
   */
  protected fail(error: CliErrorJson['error'], detail: string[] = []): never {
    // Written directly: oclif's logToStderr is silent under --json, and --json users need it too.
    process.stderr.write(`probediff: ${sanitizeForTerminal(errorLine(error))}\n`)
    if (!this.jsonEnabled()) for (const line of detail) process.stderr.write(`${line}\n`)
    if (this.jsonEnabled()) this.logJson({error})
    return this.exit(error.exit)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    // A flag's own parse may throw a UsageError too; oclif then wraps its message in lines.
    if (err instanceof UsageError) err.message = oneLine(err.message)
    if (err instanceof InputError || err instanceof UsageError) return this.fail(cliErrorJson(err))
    // oclif's own parse errors (unknown flag, missing arg, bad option) are usage errors: exit 2, one line.
    if (err.oclif?.exit === 2 || (err as {code?: string}).code?.startsWith?.('FAILED_')) {
      return this.fail({code: 'usage', message: `${oneLine(err.message)} (see --help)`, exit: 2})
    }
    if (this.jsonEnabled()) {
      // A bug, not the user's: still one JSON object for tools, and oclif's report on stderr.
      this.logJson({error: {code: 'internal', message: oneLine(err.message), exit: 1}})
      process.stderr.write(`probediff: internal error: ${sanitizeForTerminal(String(err.stack ?? err.message))}\n`)
      return this.exit(1)
    }
    return super.catch(err)
  }
}

/**
 * oclif's parse errors span lines (`Missing 1 required arg:` then the argument, or a flag's
 * "See more help" footer, or one line per broken rule): keep the content on one line.
 */
function oneLine(message: string): string {
  const lines = message
    .replace(/\n\s*Note: [^]*/, '')
    .replace(/^Parsing --\S+ \n\t/, '')
    .split('\n')
    .map((l) => l.trim())
    // oclif's footers: the pointer to --help, and the note on flags that take several values.
    .filter((l) => l && !/^See more help with/.test(l) && !/^The following errors? occurred:$/.test(l))
  return lines.map((l, i) => (i > 0 && /:$/.test(lines[i - 1]!) ? l.replace(/\s{2,}/g, ' - ') : l)).join('; ').replace(/:; /g, ': ')
}
