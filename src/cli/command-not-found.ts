import type {Hook} from '@oclif/core'
import {jsonForTerminal, sanitizeForTerminal} from '../util/terminal.js'

/**
 * `probediff nosuch`: a usage error like any other — one line on stderr, exit 2, and under --json
 * the error object on stdout (oclif's own message is a boxed `Error:` line and no JSON).
 */
const commandNotFound: Hook.CommandNotFound = async function ({id, argv = []}) {
  const message = `no command ${id.replaceAll(':', ' ')} (probediff help lists them)`
  process.stderr.write(`probediff: ${sanitizeForTerminal(message)}\n`)
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  if (own.includes('--json')) process.stdout.write(`${jsonForTerminal({error: {code: 'usage', message, exit: 2}})}\n`)
  return this.exit(2)
}

export default commandNotFound
