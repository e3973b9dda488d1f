/**
 * bin/run.js runs dist/bundle/probediff.cjs (oclif and every command in one file, scripts/bundle.js):
 * it must print the same bytes, on stdout and stderr, with the same exit code, as oclif running tsc's
 * dist/ the way bin/run.js did before, for every command oclif lists (help, a usage error under --json)
 * and for real work (replay, ingest, triage, check, golden, stdin). Both run as real processes.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/run-cli.js'
import {runProcess, runUnbundled} from '../helpers/run-cli-process.js'

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
const words = Object.keys(manifest.commands).map((id) => id.split(':'))
const modern = 'traces/k6.1-pc-modern-only'
const small = 'traces/k6.1-virt-legacy-only'

const runs: {argv: string[]; stdin?: Buffer}[] = [
  {argv: []},
  {argv: ['--help']},
  {argv: ['help', '--json']},
  {argv: ['help', 'oracle', 'build']},
  {argv: ['golden']},
  {argv: ['nosuch', '--json']},
  {argv: ['replay']},
  {argv: ['replay', '--help']},
  {argv: ['oracle', 'build', '-h']},
  // Loads each command from the bundle: the parse, and the error path under --json.
  ...words.map((w) => ({argv: [...w, '--no-such-flag', '--json']})),
  {argv: ['replay', `${modern}/trace.log.gz`, '--dmesg', `${modern}/dmesg.txt`]},
  {argv: ['replay', `${small}/trace.log.gz`, '--dmesg', `${small}/dmesg.txt`, '--json', '--vs', '6.12']},
  {argv: ['replay', '/nonexistent/trace.log']},
  {argv: ['ingest', `${small}/trace.log.gz`, '--dmesg', `${small}/dmesg.txt`]},
  {argv: ['ingest', '-', '--format', 'dmesg', '--json'], stdin: readFileSync(join(PROJECT_ROOT, small, 'dmesg.txt'))},
  {argv: ['ingest', `${small}/lspci.txt`, '--log-level', 'info']},
  {argv: ['triage', 'traces/fault-missing-notify/0000:00:02.0', '--kernel', '6.1']},
  {argv: ['check', 'k6.1-pc-modern-only', 'k6.1-virt-legacy-only', '--jobs', '2']},
  {argv: ['golden', 'diff', 'k6.1-pc-modern-only']},
]

describe.concurrent('the bundled CLI prints what oclif on dist/ prints, byte for byte', () => {
  it.each(runs.map((r) => ({...r, line: r.argv.join(' ')})))('probediff $line', async ({argv, stdin}) => {
    const [bundled, unbundled] = await Promise.all([runProcess(argv, {stdin}), runUnbundled(argv, {stdin})])
    expect(bundled.exitCode).toBe(unbundled.exitCode)
    // --log-level info prints the time a file took: the one part of a run that may differ.
    const timeless = (s: string) => s.replace(/in \d+\.\d+ s \(\d+\.\d+ MB\/s\)/g, 'in T')
    expect(timeless(bundled.stderr)).toBe(timeless(unbundled.stderr))
    expect(bundled.stdout).toBe(unbundled.stdout)
  })
})
